import { describe, expect, it } from '@jest/globals';
import { validateCalendarSpec } from './index.js';

const good = {
  officeHours: [
    { start: '08:00', end: '12:00' },
    { start: '13:00', end: '17:00' },
  ],
  cutoff: '15:00',
  holidays: ['2025-01-01'],
  workingDays: ['2025-04-26'],
};

const problemsWith = (patch: Record<string, unknown>): string[] => validateCalendarSpec({ ...good, ...patch });

describe('validateCalendarSpec', () => {
  it('accepts a good spec, extra fields and edge values', () => {
    expect(validateCalendarSpec(good)).toEqual([]);
    expect(problemsWith({ sources: ['x'] })).toEqual([]);
    expect(problemsWith({ holidays: [], workingDays: [] })).toEqual([]);
    expect(problemsWith({ officeHours: [{ start: '00:00', end: '24:00' }], cutoff: '23:59' })).toEqual([]);
    // touching intervals do not overlap
    expect(problemsWith({ officeHours: [{ start: '08:00', end: '12:00' }, { start: '12:00', end: '13:00' }] })).toEqual([]);
    // weekend holidays and weekday make-up days are harmless no-ops
    expect(problemsWith({ holidays: ['2025-01-04'], workingDays: ['2025-01-06'] })).toEqual([]);
  });

  it('rejects a non-object', () => {
    for (const bad of [null, undefined, 42, 'x', []]) expect(validateCalendarSpec(bad)).toEqual(['calendar spec must be an object']);
  });

  it('rejects missing or mistyped fields, one problem each', () => {
    expect(validateCalendarSpec({})).toHaveLength(4);
    expect(problemsWith({ officeHours: 'x' })).toEqual([expect.stringMatching(/officeHours must be an array/)]);
    expect(problemsWith({ holidays: '2025-01-01' })).toEqual([expect.stringMatching(/holidays must be an array/)]);
  });

  it('rejects bad HH:MM times', () => {
    expect(problemsWith({ cutoff: '3pm' })).toEqual([expect.stringMatching(/cutoff/)]);
    expect(problemsWith({ cutoff: '24:00' })).toEqual([expect.stringMatching(/cutoff/)]);
    expect(problemsWith({ cutoff: 900 })).toEqual([expect.stringMatching(/cutoff/)]);
    expect(problemsWith({ officeHours: [{ start: '8:00', end: '12:00' }] })).toEqual([expect.stringMatching(/officeHours\[0\]\.start/)]);
    expect(problemsWith({ officeHours: [{ start: '08:00', end: '12:60' }] })).toEqual([expect.stringMatching(/officeHours\[0\]\.end/)]);
    expect(problemsWith({ officeHours: [{ start: '24:00', end: '24:00' }] })).toEqual([expect.stringMatching(/officeHours\[0\]\.start/)]);
    expect(problemsWith({ officeHours: [null] })).toEqual([expect.stringMatching(/officeHours\[0\] must be an object/)]);
  });

  it('rejects empty, reversed, overlapping and unsorted intervals', () => {
    expect(problemsWith({ officeHours: [] })).toEqual([expect.stringMatching(/at least one/)]);
    expect(problemsWith({ officeHours: [{ start: '08:00', end: '08:00' }] })).toEqual([expect.stringMatching(/empty or reversed/)]);
    expect(problemsWith({ officeHours: [{ start: '12:00', end: '08:00' }] })).toEqual([expect.stringMatching(/empty or reversed/)]);
    expect(problemsWith({ officeHours: [{ start: '08:00', end: '12:00' }, { start: '11:00', end: '17:00' }] })).toEqual([
      expect.stringMatching(/officeHours\[1\].*overlaps/),
    ]);
    expect(problemsWith({ officeHours: [{ start: '13:00', end: '17:00' }, { start: '08:00', end: '12:00' }] })).toEqual([
      expect.stringMatching(/officeHours\[1\].*precedes/),
    ]);
  });

  it('rejects invalid dates with their position', () => {
    expect(problemsWith({ holidays: ['2025-02-29', '2025-1-1', 20250101, '2025-01-02'] })).toEqual([
      expect.stringMatching(/holidays\[0\]/),
      expect.stringMatching(/holidays\[1\]/),
      expect.stringMatching(/holidays\[2\]/),
    ]);
    expect(problemsWith({ workingDays: ['2025-04-31'] })).toEqual([expect.stringMatching(/workingDays\[0\]/)]);
  });

  it('rejects a date that is both a holiday and a working day', () => {
    expect(problemsWith({ holidays: ['2025-04-26'] })).toEqual(['2025-04-26 is listed both in holidays and in workingDays']);
  });

  it('reports every problem at once', () => {
    expect(validateCalendarSpec({ officeHours: [], cutoff: 'x', holidays: ['y'], workingDays: 3 })).toHaveLength(4);
  });
});
