import { describe, expect, it } from '@jest/globals';
import {
  DAY_MS,
  dayIndexOf,
  daysFromCivil,
  formatDay,
  localDateOf,
  localInstant,
  parseHhMm,
  parseLocalDate,
  toLocalIso,
  weekdayOf,
  weekdaysBefore,
} from './time.js';

const SEVEN_H = 7 * 3_600_000;

describe('localDateOf', () => {
  it('uses the +07:00 calendar day', () => {
    expect(localDateOf(Date.parse('2025-03-03T16:59:59.999Z'))).toBe('2025-03-03');
    expect(localDateOf(Date.parse('2025-03-03T17:00:00.000Z'))).toBe('2025-03-04');
    expect(localDateOf(Date.parse('2024-12-31T17:00:00Z'))).toBe('2025-01-01');
    expect(localDateOf(Date.parse('2024-02-29T00:00:00Z'))).toBe('2024-02-29');
  });
  it('works before 1970', () => {
    expect(localDateOf(Date.parse('1969-12-31T16:59:59Z'))).toBe('1969-12-31');
    expect(localDateOf(Date.parse('1969-12-31T17:00:00Z'))).toBe('1970-01-01');
  });
  it('agrees with Date on every day from 1900 to 2100 (sampled at local noon)', () => {
    for (let d = daysFromCivil(1900, 1, 1); d <= daysFromCivil(2100, 12, 31); d++) {
      const ms = d * DAY_MS + 5 * 3_600_000; // 12:00 local
      const expected = new Date(ms + SEVEN_H).toISOString().slice(0, 10);
      if (localDateOf(ms) !== expected) throw new Error(`day ${d}: ${localDateOf(ms)} != ${expected}`);
      if (weekdayOf(d) !== (new Date(ms + SEVEN_H).getUTCDay() + 6) % 7) throw new Error(`weekday of ${expected}`);
    }
  });
  it('rejects non-finite instants', () => {
    expect(() => localDateOf(Number.NaN)).toThrow(RangeError);
  });
});

describe('toLocalIso', () => {
  it('formats in +07:00', () => {
    expect(toLocalIso(Date.parse('2025-03-03T02:00:00Z'))).toBe('2025-03-03T09:00:00+07:00');
    expect(toLocalIso(Date.parse('2025-12-31T17:00:00Z'))).toBe('2026-01-01T00:00:00+07:00');
    expect(toLocalIso(Date.parse('2025-03-03T16:59:59Z'))).toBe('2025-03-03T23:59:59+07:00');
  });
  it('shows milliseconds only when non-zero, and round-trips through Date.parse', () => {
    const ms = Date.parse('2025-03-03T02:00:00.007Z');
    expect(toLocalIso(ms)).toBe('2025-03-03T09:00:00.007+07:00');
    expect(Date.parse(toLocalIso(ms))).toBe(ms);
  });
  it('rejects non-finite instants', () => {
    expect(() => toLocalIso(Infinity)).toThrow(RangeError);
  });
});

describe('localInstant', () => {
  it('is the inverse of toLocalIso', () => {
    expect(localInstant('2025-03-03', '09:00')).toBe(Date.parse('2025-03-03T09:00:00+07:00'));
    expect(localInstant('2025-03-03')).toBe(Date.parse('2025-03-03T00:00:00+07:00'));
    expect(localInstant('2025-03-03', '24:00')).toBe(localInstant('2025-03-04'));
  });
  it('throws on malformed input', () => {
    expect(() => localInstant('2025-13-01')).toThrow(RangeError);
    expect(() => localInstant('2025-03-03', '9:00')).toThrow(RangeError);
  });
});

describe('parsing', () => {
  it('parseLocalDate accepts real dates only', () => {
    expect(parseLocalDate('1970-01-01')).toBe(0);
    expect(parseLocalDate('2024-02-29')).toBe(daysFromCivil(2024, 2, 29));
    for (const bad of ['2025-02-29', '2100-02-29', '2025-04-31', '2025-00-10', '2025-1-01', '25-01-01', '2025-01-01T00:00', ' 2025-01-01', '']) {
      expect(parseLocalDate(bad)).toBeUndefined();
    }
    expect(parseLocalDate('2000-02-29')).toBeDefined();
  });
  it('formatDay and daysFromCivil round-trip', () => {
    expect(formatDay(daysFromCivil(2026, 11, 24))).toBe('2026-11-24');
    expect(dayIndexOf(localInstant('2026-11-24', '23:59'))).toBe(daysFromCivil(2026, 11, 24));
  });
  it('parseHhMm', () => {
    expect(parseHhMm('00:00')).toBe(0);
    expect(parseHhMm('08:30')).toBe(8.5 * 3_600_000);
    expect(parseHhMm('23:59')).toBe(DAY_MS - 60_000);
    for (const bad of ['24:00', '8:00', '08:60', '08:00:00', '0800', 'ab:cd', '']) expect(parseHhMm(bad)).toBeUndefined();
    expect(parseHhMm('24:00', true)).toBe(DAY_MS);
    expect(parseHhMm('24:01', true)).toBeUndefined();
  });
});

describe('weekdaysBefore', () => {
  it('counts Monday-Friday days exactly, also for negative day indexes', () => {
    let count = 0;
    const from = daysFromCivil(1960, 1, 1);
    const base = weekdaysBefore(from);
    for (let d = from; d < daysFromCivil(1990, 1, 1); d++) {
      if (weekdaysBefore(d) - base !== count) throw new Error(`mismatch at ${formatDay(d)}`);
      if (weekdayOf(d) < 5) count++;
    }
  });
});
