/** The dashboard's report periods: Vietnam days, weeks from Monday, `to` exclusive. */
import { describe, expect, it } from '@jest/globals';
import { fromLocalInput, lastTwelveMonths, periodOf, toLocalInput } from '../../web/src/period.js';

// Thursday 2026-12-03 01:30 in Vietnam (Wednesday 18:30 UTC).
const NOW = Date.parse('2026-12-02T18:30:00Z');

describe('report periods', () => {
  it('counts days in Vietnam time and weeks from Monday; a current period has no end', () => {
    expect(periodOf('week', NOW)).toEqual({ kind: 'week', from: '2026-11-30T00:00:00+07:00' });
    expect(periodOf('month', NOW)).toEqual({ kind: 'month', from: '2026-12-01T00:00:00+07:00' });
    expect(periodOf('quarter', NOW)).toEqual({ kind: 'quarter', from: '2026-10-01T00:00:00+07:00' });
    expect(periodOf('year', NOW)).toEqual({ kind: 'year', from: '2026-01-01T00:00:00+07:00' });
    // A Sunday belongs to the week that began the Monday before.
    expect(periodOf('week', Date.parse('2026-12-06T10:00:00+07:00')).from).toBe('2026-11-30T00:00:00+07:00');
  });

  it('a custom period runs from its first day to the end of its last (exclusive), whichever order they come in', () => {
    expect(periodOf('custom', NOW, { first: '2026-02-27', last: '2026-02-28' })).toEqual({ kind: 'custom', from: '2026-02-27T00:00:00+07:00', to: '2026-03-01T00:00:00+07:00' });
    expect(periodOf('custom', NOW, { first: '2026-03-10', last: '2026-03-01' }).to).toBe('2026-03-11T00:00:00+07:00');
  });

  it('the chart\'s twelve months end with the current one, which is open-ended', () => {
    const months = lastTwelveMonths(NOW);
    expect(months).toHaveLength(12);
    expect(months[0]).toEqual({ month: '2026-01', from: '2026-01-01T00:00:00+07:00', to: '2026-02-01T00:00:00+07:00' });
    expect(months[10]).toEqual({ month: '2026-11', from: '2026-11-01T00:00:00+07:00', to: '2026-12-01T00:00:00+07:00' });
    expect(months[11]).toEqual({ month: '2026-12', from: '2026-12-01T00:00:00+07:00' });
  });

  it('reads and writes the "as of" input in Vietnam time, refusing what is not a date and time', () => {
    expect(toLocalInput('2026-12-02T18:30:00.000Z')).toBe('2026-12-03T01:30');
    expect(fromLocalInput('2026-12-03T01:30')).toBe('2026-12-02T18:30:00.000Z');
    expect(fromLocalInput('')).toBeUndefined();
    expect(fromLocalInput('2026-12-03')).toBeUndefined();
    expect(fromLocalInput('2026-13-03T01:30')).toBeUndefined();
  });
});
