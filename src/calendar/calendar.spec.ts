import { describe, expect, it } from '@jest/globals';
import {
  addWorkingTime,
  type CalendarSpec,
  clockStart,
  compileCalendar,
  getDefaultCalendar,
  isWorkingDay,
  loadDefaultCalendarSpec,
  localInstant as L,
  nextOfficeInstant,
  toLocalIso as iso,
  WORKING_DAY_MS,
  WORKING_HOUR_MS,
  workingTimeBetween,
} from './index.js';

const cal = compileCalendar(loadDefaultCalendarSpec());
const H = WORKING_HOUR_MS;
const D = WORKING_DAY_MS;
const MIN = 60_000;

/** Due instant, as local ISO, of `days` statutory days from the clock start of `received`. */
const dueOf = (received: number, durationMs: number): string =>
  iso(addWorkingTime(cal, clockStart(cal, received), durationMs));

describe('constants', () => {
  it('a statutory day is 8 working hours', () => {
    expect(H).toBe(3_600_000);
    expect(D).toBe(28_800_000);
  });
});

describe('DOMAIN.md worked examples (due instant)', () => {
  // 2025-03-03 is a Monday with no holiday that week.
  it('Monday 08:00 + 3 working days -> Wednesday 17:00, not Thursday 08:00', () => {
    expect(iso(addWorkingTime(cal, L('2025-03-03', '08:00'), 3 * D))).toBe('2025-03-05T17:00:00+07:00');
  });
  it('Monday 09:00 + 3 working days -> Thursday 09:00', () => {
    expect(iso(addWorkingTime(cal, L('2025-03-03', '09:00'), 3 * D))).toBe('2025-03-06T09:00:00+07:00');
  });
  it('one day from an opening ends at that day\'s closing', () => {
    expect(iso(addWorkingTime(cal, L('2025-03-03', '08:00'), D))).toBe('2025-03-03T17:00:00+07:00');
  });
  it('a morning that ends exactly at 12:00 ends at 12:00, not 13:00', () => {
    expect(iso(addWorkingTime(cal, L('2025-03-03', '08:00'), 4 * H))).toBe('2025-03-03T12:00:00+07:00');
  });
  it('duration 0 returns the start itself, even outside office hours', () => {
    const sat = L('2025-03-08', '10:17');
    expect(addWorkingTime(cal, sat, 0)).toBe(sat);
  });
  it('Friday 14:00 + 1 day crosses the weekend -> Monday 14:00', () => {
    expect(iso(addWorkingTime(cal, L('2025-03-07', '14:00'), D))).toBe('2025-03-10T14:00:00+07:00');
  });
  it('a start outside office hours counts only office time', () => {
    expect(iso(addWorkingTime(cal, L('2025-03-03', '06:00'), H))).toBe('2025-03-03T09:00:00+07:00');
    expect(iso(addWorkingTime(cal, L('2025-03-03', '12:30'), H))).toBe('2025-03-03T14:00:00+07:00');
    expect(iso(addWorkingTime(cal, L('2025-03-03', '20:00'), H))).toBe('2025-03-04T09:00:00+07:00');
    expect(iso(addWorkingTime(cal, L('2025-03-08', '10:00'), H))).toBe('2025-03-10T09:00:00+07:00');
  });
  it('rejects a negative or non-finite duration', () => {
    expect(() => addWorkingTime(cal, L('2025-03-03', '08:00'), -1)).toThrow(RangeError);
    expect(() => addWorkingTime(cal, L('2025-03-03', '08:00'), Number.NaN)).toThrow(RangeError);
    expect(() => addWorkingTime(cal, L('2025-03-03', '08:00'), Infinity)).toThrow(RangeError);
  });
});

describe('fractional days', () => {
  it('0.25 day = 2 hours', () => {
    expect(iso(addWorkingTime(cal, L('2025-03-03', '08:00'), 0.25 * D))).toBe('2025-03-03T10:00:00+07:00');
  });
  it('0.5 day = 4 hours, crossing the lunch break', () => {
    expect(iso(addWorkingTime(cal, L('2025-03-03', '10:00'), 0.5 * D))).toBe('2025-03-03T15:00:00+07:00');
  });
  it('1.5 days from 15:00 ends mid-morning two days later', () => {
    // Mon 15:00-17:00 = 2h, Tue 8h, Wed 2h -> Wed 10:00
    expect(iso(addWorkingTime(cal, L('2025-03-03', '15:00'), 1.5 * D))).toBe('2025-03-05T10:00:00+07:00');
  });
  it('minute precision: 90 minutes from 11:15 -> 13:45', () => {
    expect(iso(addWorkingTime(cal, L('2025-03-03', '11:15'), 90 * MIN))).toBe('2025-03-03T13:45:00+07:00');
  });
});

describe('clockStart (cutoff rule)', () => {
  const start = (date: string, time: string): string => iso(clockStart(cal, L(date, time)));
  it('14:59 -> the instant itself', () => expect(start('2025-03-04', '14:59')).toBe('2025-03-04T14:59:00+07:00'));
  it('15:00 exactly is not after the cutoff', () => expect(start('2025-03-04', '15:00')).toBe('2025-03-04T15:00:00+07:00'));
  it('15:00:00.001 is after the cutoff', () => {
    expect(iso(clockStart(cal, L('2025-03-04', '15:00') + 1))).toBe('2025-03-05T08:00:00+07:00');
  });
  it('15:01 -> next working day opening', () => expect(start('2025-03-04', '15:01')).toBe('2025-03-05T08:00:00+07:00'));
  it('17:30 -> next working day opening', () => expect(start('2025-03-04', '17:30')).toBe('2025-03-05T08:00:00+07:00'));
  it('23:59 -> next working day opening', () => expect(start('2025-03-04', '23:59')).toBe('2025-03-05T08:00:00+07:00'));
  it('Friday after cutoff -> Monday', () => expect(start('2025-03-07', '16:00')).toBe('2025-03-10T08:00:00+07:00'));
  it('Saturday -> Monday opening', () => expect(start('2025-03-08', '09:00')).toBe('2025-03-10T08:00:00+07:00'));
  it('Sunday early morning -> Monday opening', () => expect(start('2025-03-09', '07:00')).toBe('2025-03-10T08:00:00+07:00'));
  it('holiday (Hung Kings 2025-04-07, Monday) -> Tuesday', () => {
    expect(start('2025-04-07', '09:00')).toBe('2025-04-08T08:00:00+07:00');
  });
  it('make-up Saturday 2025-04-26 is a working day', () => {
    expect(isWorkingDay(cal, '2025-04-26')).toBe(true);
    expect(start('2025-04-26', '10:00')).toBe('2025-04-26T10:00:00+07:00');
    expect(start('2025-04-25', '16:00')).toBe('2025-04-26T08:00:00+07:00');
  });
  it('30/4-1/5-2/5 2025 block: Tuesday 29/4 after cutoff -> Monday 5/5', () => {
    expect(start('2025-04-29', '16:00')).toBe('2025-05-05T08:00:00+07:00');
  });
  it('lunch break 12:30 -> 13:00 same day; 12:00 exactly -> 13:00', () => {
    expect(start('2025-03-04', '12:30')).toBe('2025-03-04T13:00:00+07:00');
    expect(start('2025-03-04', '12:00')).toBe('2025-03-04T13:00:00+07:00');
  });
  it('before opening 07:00 -> 08:00 same day; 00:00 -> 08:00', () => {
    expect(start('2025-03-04', '07:00')).toBe('2025-03-04T08:00:00+07:00');
    expect(start('2025-03-04', '00:00')).toBe('2025-03-04T08:00:00+07:00');
  });
  it('08:00 and 13:00 exactly start immediately', () => {
    expect(start('2025-03-04', '08:00')).toBe('2025-03-04T08:00:00+07:00');
    expect(start('2025-03-04', '13:00')).toBe('2025-03-04T13:00:00+07:00');
  });
  it('keeps sub-minute precision inside office hours', () => {
    const t = L('2025-03-04', '09:00') + 12_345;
    expect(clockStart(cal, t)).toBe(t);
  });
});

describe('year boundary and Tết', () => {
  it('received 2025-12-31 16:00 -> clock starts 2026-01-05 08:00 (1-2/1 holidays, 3-4/1 weekend)', () => {
    expect(isWorkingDay(cal, '2026-01-01')).toBe(false);
    expect(isWorkingDay(cal, '2026-01-02')).toBe(false);
    expect(isWorkingDay(cal, '2026-01-03')).toBe(false);
    expect(isWorkingDay(cal, '2026-01-04')).toBe(false);
    expect(iso(clockStart(cal, L('2025-12-31', '16:00')))).toBe('2026-01-05T08:00:00+07:00');
  });
  it('make-up Saturday 2026-01-10 is worked', () => {
    // Fri 9/1 16:00 -> Sat 10/1 08:00; +1 day -> Sat 17:00
    expect(dueOf(L('2026-01-09', '16:00'), D)).toBe('2026-01-10T17:00:00+07:00');
  });
  it('Tết 2025 (27-31/1 off): Friday 24/1 09:00 + 3 days -> Wednesday 5/2 09:00', () => {
    for (const d of ['2025-01-27', '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31']) {
      expect(isWorkingDay(cal, d)).toBe(false);
    }
    expect(dueOf(L('2025-01-24', '09:00'), 3 * D)).toBe('2025-02-05T09:00:00+07:00');
  });
  it('Tết 2025: received Friday 24/1 after cutoff -> clock starts Monday 3/2', () => {
    expect(iso(clockStart(cal, L('2025-01-24', '15:30')))).toBe('2025-02-03T08:00:00+07:00');
    expect(dueOf(L('2025-01-24', '15:30'), D)).toBe('2025-02-03T17:00:00+07:00');
  });
  it('Tết 2026 (16-20/2 off): Friday 13/2 14:00 + 2 days -> Tuesday 24/2 14:00', () => {
    expect(dueOf(L('2026-02-13', '14:00'), 2 * D)).toBe('2026-02-24T14:00:00+07:00');
  });
  it('a 15-day procedure received before Tết 2026 is pushed a full week', () => {
    // Mon 9/2 08:00: 9-13/2 (5), 23-27/2 (5), 2-6/3 (5) -> Fri 6/3 17:00
    expect(dueOf(L('2026-02-09', '08:00'), 15 * D)).toBe('2026-03-06T17:00:00+07:00');
  });
  it('long durations across a whole year match a day count', () => {
    // 2025 has 261 weekdays - 12 holidays + 1 make-up Saturday = 250 working days
    const from = L('2025-01-01', '00:00');
    const to = L('2026-01-01', '00:00');
    expect(workingTimeBetween(cal, from, to)).toBe(250 * D);
    expect(iso(addWorkingTime(cal, from, 250 * D))).toBe('2025-12-31T17:00:00+07:00');
  });
  it('dates outside the bundled years follow the Monday-Friday rule', () => {
    expect(isWorkingDay(cal, '2027-01-01')).toBe(true); // no 2027 data yet
    expect(isWorkingDay(cal, '2023-12-30')).toBe(false); // Saturday
    expect(iso(addWorkingTime(cal, L('2027-03-01', '08:00'), 10 * D))).toBe('2027-03-12T17:00:00+07:00');
  });
});

describe('workingTimeBetween', () => {
  const between = (a: number, b: number): number => workingTimeBetween(cal, a, b);
  it('0 when to <= from', () => {
    expect(between(L('2025-03-04', '10:00'), L('2025-03-04', '10:00'))).toBe(0);
    expect(between(L('2025-03-05', '10:00'), L('2025-03-04', '10:00'))).toBe(0);
  });
  it('same day, across lunch', () => {
    expect(between(L('2025-03-04', '11:00'), L('2025-03-04', '14:00'))).toBe(2 * H);
    expect(between(L('2025-03-04', '12:10'), L('2025-03-04', '12:50'))).toBe(0);
    expect(between(L('2025-03-04', '00:00'), L('2025-03-05', '00:00'))).toBe(D);
  });
  it('across a weekend', () => {
    expect(between(L('2025-03-07', '16:00'), L('2025-03-10', '09:00'))).toBe(2 * H);
    expect(between(L('2025-03-08', '00:00'), L('2025-03-10', '00:00'))).toBe(0);
  });
  it('across holidays: Tết 2025 week counts nothing', () => {
    expect(between(L('2025-01-24', '17:00'), L('2025-02-03', '08:00'))).toBe(0);
    expect(between(L('2025-01-20', '08:00'), L('2025-02-07', '17:00'))).toBe(10 * D);
  });
  it('across the 2025/2026 new year, including make-up Saturday 10/1', () => {
    // 31/12 (1) + 5-9/1 (5) + 10/1 (1) = 7 days
    expect(between(L('2025-12-31', '00:00'), L('2026-01-11', '00:00'))).toBe(7 * D);
  });
});

describe('nextOfficeInstant', () => {
  const next = (date: string, time: string): string => iso(nextOfficeInstant(cal, L(date, time)));
  it('inside office hours -> itself', () => expect(next('2025-03-04', '16:59')).toBe('2025-03-04T16:59:00+07:00'));
  it('ignores the cutoff', () => expect(next('2025-03-04', '16:00')).toBe('2025-03-04T16:00:00+07:00'));
  it('closing instants are outside (intervals are half-open)', () => {
    expect(next('2025-03-04', '12:00')).toBe('2025-03-04T13:00:00+07:00');
    expect(next('2025-03-04', '17:00')).toBe('2025-03-05T08:00:00+07:00');
  });
  it('non-working days -> next opening', () => {
    expect(next('2025-01-25', '10:00')).toBe('2025-02-03T08:00:00+07:00');
  });
});

describe('isWorkingDay', () => {
  it('Monday-Friday minus holidays plus make-up days', () => {
    expect(isWorkingDay(cal, '2025-03-03')).toBe(true);
    expect(isWorkingDay(cal, '2025-03-08')).toBe(false);
    expect(isWorkingDay(cal, '2025-03-09')).toBe(false);
    expect(isWorkingDay(cal, '2025-09-02')).toBe(false);
    expect(isWorkingDay(cal, '2024-05-04')).toBe(true);
  });
  it('throws on a malformed date', () => {
    expect(() => isWorkingDay(cal, '2025-02-30')).toThrow(RangeError);
    expect(() => isWorkingDay(cal, '2025-3-3')).toThrow(RangeError);
  });
});

describe('custom calendar spec', () => {
  const spec: CalendarSpec = {
    officeHours: [
      { start: '07:30', end: '11:30' },
      { start: '13:30', end: '17:30' },
    ],
    cutoff: '16:00',
    holidays: ['2025-03-05'],
    workingDays: ['2025-03-08'],
  };
  const c = compileCalendar(spec);
  const start = (date: string, time: string): string => iso(clockStart(c, L(date, time)));

  it('applies its own cutoff and hours', () => {
    expect(start('2025-03-03', '16:00')).toBe('2025-03-03T16:00:00+07:00');
    expect(start('2025-03-03', '16:01')).toBe('2025-03-04T07:30:00+07:00');
    expect(start('2025-03-03', '12:00')).toBe('2025-03-03T13:30:00+07:00');
    expect(start('2025-03-03', '07:00')).toBe('2025-03-03T07:30:00+07:00');
  });
  it('one day ends at its own closing', () => {
    expect(iso(addWorkingTime(c, L('2025-03-03', '07:30'), D))).toBe('2025-03-03T17:30:00+07:00');
  });
  it('its own holidays and make-up days', () => {
    expect(isWorkingDay(c, '2025-03-05')).toBe(false);
    expect(isWorkingDay(c, '2025-03-08')).toBe(true);
    // Tue 09:30: 6h that day, Wed off, Thu 8h, Fri 2h -> Fri 09:30
    expect(iso(addWorkingTime(c, L('2025-03-04', '09:30'), 2 * D))).toBe('2025-03-07T09:30:00+07:00');
    expect(start('2025-03-07', '16:30')).toBe('2025-03-08T07:30:00+07:00');
  });
  it('is independent of the default calendar (its holidays are not the national ones)', () => {
    expect(isWorkingDay(c, '2025-04-30')).toBe(true);
  });
  it('a 7-hour office day still converts statutory days at 8 hours', () => {
    const seven = compileCalendar({ ...spec, officeHours: [{ start: '07:00', end: '11:00' }, { start: '13:00', end: '16:00' }] });
    expect(iso(addWorkingTime(seven, L('2025-03-03', '07:00'), D))).toBe('2025-03-04T08:00:00+07:00');
    expect(workingTimeBetween(seven, L('2025-03-03', '00:00'), L('2025-03-04', '00:00'))).toBe(7 * H);
  });
  it('three intervals, one ending at 24:00', () => {
    const night = compileCalendar({
      officeHours: [{ start: '08:00', end: '10:00' }, { start: '11:00', end: '12:00' }, { start: '22:00', end: '24:00' }],
      cutoff: '23:00',
      holidays: [],
      workingDays: [],
    });
    expect(iso(addWorkingTime(night, L('2025-03-03', '09:00'), 2 * H))).toBe('2025-03-03T12:00:00+07:00');
    expect(iso(addWorkingTime(night, L('2025-03-03', '09:00'), 2 * H + 1))).toBe('2025-03-03T22:00:00.001+07:00');
    expect(iso(addWorkingTime(night, L('2025-03-03', '08:00'), 5 * H))).toBe('2025-03-04T00:00:00+07:00');
    expect(iso(clockStart(night, L('2025-03-03', '23:00')))).toBe('2025-03-03T23:00:00+07:00');
    expect(iso(clockStart(night, L('2025-03-03', '23:30')))).toBe('2025-03-04T08:00:00+07:00');
  });
  it('compileCalendar refuses an invalid spec', () => {
    expect(() => compileCalendar({ ...spec, cutoff: '25:00' })).toThrow(/cutoff/);
  });
});

describe('getDefaultCalendar', () => {
  it('is built once: the bundled official years, and every other year provisional', () => {
    expect(getDefaultCalendar()).toBe(getDefaultCalendar());
    const def = getDefaultCalendar();
    // The bundled years are exactly the shipped ones...
    for (const y of ['2024', '2025', '2026']) {
      expect(def.spec.holidays.filter((d) => d.startsWith(y))).toEqual(cal.spec.holidays.filter((d) => d.startsWith(y)));
    }
    expect(def.spec.workingDays).toEqual(cal.spec.workingDays);
    expect([...def.officialYears!].sort()).toEqual([2024, 2025, 2026]);
    // ...and 2027 is not the plain Monday-Friday week any more: 1 January is off.
    expect(def.spec.holidays).toContain('2027-01-01');
  });
});
