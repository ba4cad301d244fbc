import { describe, expect, it } from '@jest/globals';
import {
  addWorkingTime,
  bookFromSpec,
  calendarPolicyProblems,
  clockStart,
  compileBook,
  compileCalendar,
  getDefaultCalendar,
  listedYears,
  loadDefaultCalendarSpec,
  localInstant,
  provisionalDaysAhead,
  provisionalYear,
  spansProvisional,
  VN_CIVIL_SERVICE_CALENDAR,
  WORKING_DAY_MS,
  WORKING_HOUR_MS,
  withYear,
  yearView,
} from './index.js';

const vn = (date: string, time: string) => localInstant(date, time);
const iso = (ms: number) => new Date(ms).toISOString();
const utc = (date: string, time: string) => iso(vn(date, time));

describe('the provisional calendar of a year not announced (DOMAIN.md)', () => {
  it('2027 by rule: 1/1, Tết eve to 4th day with the weekend ones made up, Hùng Kings, 30/4, 1/5 made up, 2/9 and 3/9', () => {
    expect(provisionalYear(2027)).toEqual({
      holidays: [
        '2027-01-01', // Friday
        '2027-02-05', // Tết eve, Friday (Saturday 6 and Sunday 7: Tết's 1st and 2nd day)
        '2027-02-08', // 3rd day
        '2027-02-09', // 4th day
        '2027-02-10', // made up for Saturday 6
        '2027-02-11', // made up for Sunday 7
        '2027-04-16', // Hùng Kings, Friday
        '2027-04-30', // Friday
        '2027-05-03', // made up for Saturday 1 May
        '2027-09-02', // Thursday
        '2027-09-03', // the adjacent Friday that joins the weekend
      ],
      workingDays: [],
    });
  });

  it.each([
    // year, weekday of 2/9, the days off around it (compensation included)
    [2018, 'Sunday', ['2018-09-03', '2018-09-04']],
    [2022, 'Friday', ['2022-09-01', '2022-09-02']],
    [2023, 'Saturday', ['2023-09-01', '2023-09-04']],
    [2024, 'Monday', ['2024-09-02', '2024-09-03']],
    [2025, 'Tuesday', ['2025-09-01', '2025-09-02']],
    [2026, 'Wednesday', ['2026-09-02', '2026-09-03']],
    [2027, 'Thursday', ['2027-09-02', '2027-09-03']],
  ])('National Day %i (2/9 a %s): %j', (year, _weekday, days) => {
    expect(provisionalYear(year).holidays.filter((d) => d.slice(5, 7) === '09')).toEqual(days);
  });

  it('compared with the official 2024-2026, differs only where the government chose what no rule predicts', () => {
    const diff = (year: number) => {
      const rule = new Set(provisionalYear(year).holidays);
      const official = new Set(VN_CIVIL_SERVICE_CALENDAR.years[String(year)].holidays);
      return {
        ruleOnly: [...rule].filter((d) => !official.has(d)),
        officialOnly: [...official].filter((d) => !rule.has(d)),
        makeUp: [...VN_CIVIL_SERVICE_CALENDAR.years[String(year)].workingDays],
      };
    };
    // 2024: Tết (Saturday 10/2) made up before rather than after (Thursday 8/2 instead of 15/2);
    // bridging Monday 29/4 swapped with Saturday 4/5.
    expect(diff(2024)).toEqual({ ruleOnly: ['2024-02-15'], officialOnly: ['2024-02-08', '2024-04-29'], makeUp: ['2024-05-04'] });
    // 2025: Tết's 4th day (Saturday 1/2) made up on Monday 27/1 before Tết, not Monday 3/2;
    // bridging Friday 2/5 swapped with Saturday 26/4.
    expect(diff(2025)).toEqual({ ruleOnly: ['2025-02-03'], officialOnly: ['2025-01-27', '2025-05-02'], makeUp: ['2025-04-26'] });
    // 2026: bridging Friday 2/1 swapped with Saturday 10/1; National Day joined by Tuesday 1/9
    // (not Thursday 3/9) and bridging Monday 31/8 swapped with Saturday 22/8; 24/11, Vietnamese
    // Culture Day, is a new day off that the Labour Code's list does not have.
    expect(diff(2026)).toEqual({
      ruleOnly: ['2026-09-03'],
      officialOnly: ['2026-01-02', '2026-08-31', '2026-09-01', '2026-11-24'],
      makeUp: ['2026-01-10', '2026-08-22'],
    });
  });
});

describe('due instants on the provisional 2027 (hand-computed)', () => {
  const cal = getDefaultCalendar();
  const due = (receivedAt: number, days: number) => addWorkingTime(cal, clockStart(cal, receivedAt), days * WORKING_DAY_MS);

  it('across 1/1/2027: Thursday 31/12/2026 14:00 + 1 day = Monday 4/1 14:00 (3 h on Thursday, Friday 1/1 off, 5 h on Monday)', () => {
    const d = due(vn('2026-12-31', '14:00'), 1);
    expect(iso(d)).toBe(utc('2027-01-04', '14:00'));
    expect(spansProvisional(cal, vn('2026-12-31', '14:00'), d)).toBe(true);
  });

  it('received Monday 28/12/2026 10:00, 5 days: Tuesday 5/1/2027 10:00 (plain weeks would say Monday 4/1)', () => {
    expect(iso(due(vn('2026-12-28', '10:00'), 5))).toBe(utc('2027-01-05', '10:00'));
  });

  it('across Tết 2027: Thursday 4/2 09:00 + 3 days = Tuesday 16/2 09:00 (5-11/2 off; 7 h Thursday, Friday 12, Monday 15, 1 h Tuesday)', () => {
    expect(iso(due(vn('2027-02-04', '09:00'), 3))).toBe(utc('2027-02-16', '09:00'));
  });

  it('across 30/4-1/5/2027: Thursday 29/4 16:00 (after the cutoff) starts Tuesday 4/5 08:00; 2 days: Wednesday 5/5 17:00', () => {
    expect(iso(clockStart(cal, vn('2027-04-29', '16:00')))).toBe(utc('2027-05-04', '08:00'));
    expect(iso(due(vn('2027-04-29', '16:00'), 2))).toBe(utc('2027-05-05', '17:00'));
  });

  it('a due inside an official year is not provisional; counted into one that is, it is', () => {
    const d = due(vn('2026-03-02', '08:00'), 3);
    expect(spansProvisional(cal, vn('2026-03-02', '08:00'), d)).toBe(false);
    // A plain compiled calendar makes no claim either way.
    const plain = compileCalendar(loadDefaultCalendarSpec());
    expect(spansProvisional(plain, vn('2026-12-31', '14:00'), vn('2027-01-04', '14:00'))).toBe(false);
  });

  it('an official 2027 entered replaces the rule for that year only', () => {
    const book = withYear(bookFromSpec(loadDefaultCalendarSpec()), {
      year: 2027,
      holidays: [...provisionalYear(2027).holidays, '2027-02-12'],
      workingDays: ['2027-01-09'],
      official: true,
      sources: [],
    });
    const official = compileBook(book);
    // Saturday 9/1 worked changes nothing before it: Monday 28/12 10:00 + 5 days stays 5/1 10:00.
    expect(iso(addWorkingTime(official, clockStart(official, vn('2026-12-28', '10:00')), 5 * WORKING_DAY_MS))).toBe(utc('2027-01-05', '10:00'));
    // Friday 8/1 10:00 + 1 day: Saturday 9/1 10:00 on the official calendar, Monday 11/1 on the rule.
    expect(iso(addWorkingTime(official, vn('2027-01-08', '10:00'), WORKING_DAY_MS))).toBe(utc('2027-01-09', '10:00'));
    expect(iso(due(vn('2027-01-08', '10:00'), 1))).toBe(utc('2027-01-11', '10:00'));
    expect(spansProvisional(official, vn('2027-01-08', '10:00'), vn('2027-12-31', '10:00'))).toBe(false);
    expect(spansProvisional(official, vn('2027-12-31', '10:00'), vn('2028-01-03', '10:00'))).toBe(true);
  });
});

describe('entered years', () => {
  it('an entry that is not official uses its days but stays provisional; GET /calendar says which is which', () => {
    const book = withYear(bookFromSpec(loadDefaultCalendarSpec()), { year: 2027, holidays: ['2027-01-01'], workingDays: [], official: false, sources: ['draft'] });
    const cal = compileBook(book);
    expect(cal.spec.holidays).toContain('2027-01-01');
    expect(cal.spec.holidays).not.toContain('2027-02-05'); // the entry, not the rule
    expect(spansProvisional(cal, vn('2027-03-01', '08:00'), vn('2027-03-02', '08:00'))).toBe(true);
    expect(listedYears(book, 2026).map((y) => yearView(book, y)).map(({ year, status, basis }) => ({ year, status, basis }))).toEqual([
      { year: 2024, status: 'official', basis: 'entered' },
      { year: 2025, status: 'official', basis: 'entered' },
      { year: 2026, status: 'official', basis: 'entered' },
      { year: 2027, status: 'provisional', basis: 'entered' },
      { year: 2028, status: 'provisional', basis: 'rule' },
    ]);
    // The bundled years keep the sources of their announcements.
    expect(yearView(book, 2026).sources[0]).toMatch(/12729\/VPCP-KGVX/);
  });
});

describe('the calendar policy (issue 21)', () => {
  const withHours = (officeHours: { start: string; end: string }[]) => compileBook({ ...bookFromSpec(loadDefaultCalendarSpec()), officeHours });

  it('accepts the bundled calendar with its provisional years, Tết weeks included', () => {
    expect(calendarPolicyProblems(getDefaultCalendar())).toEqual([]);
  });

  it('refuses a working day of less than one office hour (08:00-08:01), accepts exactly one', () => {
    expect(calendarPolicyProblems(withHours([{ start: '08:00', end: '08:01' }]))).toEqual([
      'the office hours give 1 minutes a working day; at least 60 are needed',
    ]);
    expect(calendarPolicyProblems(withHours([{ start: '08:00', end: '09:00' }]))).toEqual([]);
  });

  it('refuses 30 days in a row without a working day, accepts 28 (a Tết week is 9 at most)', () => {
    // Every weekday from Monday 4/3/2030 to Friday 29/3 off: with the weekends around it, Saturday
    // 2/3 to Sunday 31/3 is 30 days without work. With Saturday 30/3 worked it is 28.
    const weekdays: string[] = [];
    for (let d = 4; d <= 29; d++) {
      const date = `2030-03-${String(d).padStart(2, '0')}`;
      if (![9, 10, 16, 17, 23, 24].includes(d)) weekdays.push(date);
    }
    const book = bookFromSpec(loadDefaultCalendarSpec());
    const year = (workingDays: string[]) =>
      compileBook(withYear(book, { year: 2030, holidays: [...provisionalYear(2030).holidays, ...weekdays], workingDays, official: true, sources: [] }));
    expect(calendarPolicyProblems(year(['2030-03-30']))).toEqual([]);
    expect(calendarPolicyProblems(year([]))).toEqual([
      'no working day in the 30 days from 2030-03-02 to 2030-03-31; a calendar must leave a working day in every 30 consecutive days',
    ]);
  });

  it('counts the coming provisional days for the start-up warning and /metrics', () => {
    const cal = getDefaultCalendar();
    // From 7/12/2026: 25 days of 2026, then 65 of 2027.
    expect(provisionalDaysAhead(cal, vn('2026-12-07', '09:00'))).toBe(65);
    expect(provisionalDaysAhead(cal, vn('2026-06-01', '09:00'))).toBe(0);
    expect(provisionalDaysAhead(cal, vn('2026-10-03', '09:00'))).toBe(0); // 3/10 to 31/12: 90 days
    expect(provisionalDaysAhead(cal, vn('2026-10-04', '09:00'))).toBe(1); // ...and 1/1/2027
  });
});

describe('office time of the provisional years', () => {
  it('the step allotment counts on the same calendar: Thursday 4/2/2027 16:00 + 8 h = Friday 12/2 17:00', () => {
    const cal = getDefaultCalendar();
    expect(iso(addWorkingTime(cal, clockStart(cal, vn('2027-02-04', '16:00')), 8 * WORKING_HOUR_MS))).toBe(utc('2027-02-12', '17:00'));
  });
});
