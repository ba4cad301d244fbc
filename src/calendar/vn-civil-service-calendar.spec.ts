import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { VN_CIVIL_SERVICE_CALENDAR } from './vn-civil-service-calendar.js';
import { compileCalendar, isWorkingDay, loadDefaultCalendarSpec, validateCalendarSpec } from './calendar.js';
import { localInstant } from './time.js';

// The JSON is the source of truth; the .ts copy exists only so no file I/O is needed at runtime.
const json: unknown = JSON.parse(
  readFileSync(new URL('./data/vn-civil-service-calendar.json', import.meta.url), 'utf8'),
);

const weekday = (date: string): number => new Date(localInstant(date, '12:00')).getUTCDay();

describe('bundled Vietnamese civil-service calendar', () => {
  it('the .ts constant equals the JSON file', () => {
    expect(VN_CIVIL_SERVICE_CALENDAR).toEqual(json);
  });

  it('merges all years into one valid spec', () => {
    const spec = loadDefaultCalendarSpec();
    expect(validateCalendarSpec(spec)).toEqual([]);
    expect(spec.officeHours).toEqual([
      { start: '08:00', end: '12:00' },
      { start: '13:00', end: '17:00' },
    ]);
    expect(spec.cutoff).toBe('15:00');
    expect(spec.holidays).toHaveLength(12 + 12 + 14);
    expect(spec.holidays).toContain('2024-02-08');
    expect(spec.holidays).toContain('2026-11-24');
    expect(spec.workingDays).toEqual(['2024-05-04', '2025-04-26', '2026-01-10', '2026-08-22']);
  });

  it('returns a fresh copy each time (callers cannot corrupt the bundled data)', () => {
    const a = loadDefaultCalendarSpec();
    a.holidays.length = 0;
    a.officeHours[0].start = '09:00';
    const b = loadDefaultCalendarSpec();
    expect(b.holidays).toHaveLength(38);
    expect(b.officeHours[0].start).toBe('08:00');
  });

  it('data sanity: holidays are weekdays, make-up days are Saturdays, all inside their year', () => {
    for (const [year, data] of Object.entries(VN_CIVIL_SERVICE_CALENDAR.years)) {
      for (const d of data.holidays) {
        expect(d.startsWith(`${year}-`)).toBe(true);
        expect([1, 2, 3, 4, 5]).toContain(weekday(d));
      }
      for (const d of data.workingDays) {
        expect(d.startsWith(`${year}-`)).toBe(true);
        expect(weekday(d)).toBe(6);
      }
    }
  });

  it('every listed date has the expected effect in the compiled calendar', () => {
    const cal = compileCalendar(loadDefaultCalendarSpec());
    for (const d of loadDefaultCalendarSpec().holidays) expect(isWorkingDay(cal, d)).toBe(false);
    for (const d of loadDefaultCalendarSpec().workingDays) expect(isWorkingDay(cal, d)).toBe(true);
  });
});
