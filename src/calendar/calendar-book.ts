/**
 * The calendar as the catalog keeps it: office hours, cutoff, and one entry per year that was
 * entered (announced days off and make-up Saturdays). A year without an entry is provisional and
 * takes the rule's days (provisional.ts). The calendar the clock runs on is the entered years
 * plus the provisional ones over the span the service computes in.
 */
import {
  type CalendarSpec,
  compileCalendar,
  type CompiledCalendar,
  isWorkingDayIndex,
  loadDefaultCalendarSpec,
  type OfficeInterval,
} from './calendar.js';
import { PROVISIONAL_FIRST_YEAR, PROVISIONAL_LAST_YEAR, provisionalYear, yearOf } from './provisional.js';
import { civilFromDays, dayIndexOf, formatDay } from './time.js';
import { VN_CIVIL_SERVICE_CALENDAR } from './vn-civil-service-calendar.js';

export interface CalendarYearEntry {
  year: number;
  /** Weekdays off, YYYY-MM-DD, all in `year`. */
  holidays: string[];
  /** Make-up working Saturdays (or Sundays), YYYY-MM-DD, all in `year`. */
  workingDays: string[];
  /** False for an entry that is not the government's announcement yet: its days stay provisional. */
  official: boolean;
  sources: string[];
}

export interface CalendarBook {
  officeHours: OfficeInterval[];
  cutoff: string;
  years: ReadonlyMap<number, CalendarYearEntry>;
}

/** A year as GET /calendar shows it. */
export interface CalendarYearView {
  year: number;
  status: 'official' | 'provisional';
  /** Where its days come from: an entry, or the rule of a year not announced. */
  basis: 'entered' | 'rule';
  holidays: string[];
  workingDays: string[];
  sources: string[];
}

/**
 * A whole-calendar spec (CalendarDefined, PUT /calendar) as a book: every year it names a day of
 * is entered, as official (an operator who lists a year's days vouches for them); the bundled
 * years keep their sources.
 */
export function bookFromSpec(spec: CalendarSpec): CalendarBook {
  const years = new Map<number, CalendarYearEntry>();
  const entry = (year: number) => {
    let e = years.get(year);
    if (e === undefined) years.set(year, (e = { year, holidays: [], workingDays: [], official: true, sources: [] }));
    return e;
  };
  for (const d of [...new Set(spec.holidays)].sort()) entry(yearOf(d)).holidays.push(d);
  for (const d of [...new Set(spec.workingDays)].sort()) entry(yearOf(d)).workingDays.push(d);
  for (const e of years.values()) {
    const bundled = VN_CIVIL_SERVICE_CALENDAR.years[String(e.year)];
    if (bundled && sameDays(bundled.holidays, e.holidays) && sameDays(bundled.workingDays, e.workingDays)) e.sources = [...bundled.sources];
  }
  return { officeHours: spec.officeHours.map((iv) => ({ ...iv })), cutoff: spec.cutoff, years };
}

/** The book with one year's entry replaced. */
export function withYear(book: CalendarBook, entry: CalendarYearEntry): CalendarBook {
  const years = new Map(book.years);
  years.set(entry.year, { ...entry, holidays: [...new Set(entry.holidays)].sort(), workingDays: [...new Set(entry.workingDays)].sort() });
  return { ...book, years };
}

/** The entered days only, as a spec (what GET /calendar shows at its top level, and PUT /calendar takes back). */
export function enteredSpec(book: CalendarBook): CalendarSpec {
  const entries = [...book.years.values()].sort((a, b) => a.year - b.year);
  return {
    officeHours: book.officeHours.map((iv) => ({ ...iv })),
    cutoff: book.cutoff,
    holidays: entries.flatMap((e) => e.holidays),
    workingDays: entries.flatMap((e) => e.workingDays),
  };
}

/** The days the clock runs on: the entered years, and the rule's days for every other year of the span. */
export function effectiveSpec(book: CalendarBook): CalendarSpec {
  const spec = enteredSpec(book);
  for (let y = PROVISIONAL_FIRST_YEAR; y <= PROVISIONAL_LAST_YEAR; y++) {
    if (!book.years.has(y)) spec.holidays.push(...provisionalYear(y).holidays);
  }
  return spec;
}

export function compileBook(book: CalendarBook): CompiledCalendar {
  const official = [...book.years.values()].filter((e) => e.official).map((e) => e.year);
  return compileCalendar(effectiveSpec(book), { officialYears: official });
}

/** One year as GET /calendar shows it. */
export function yearView(book: CalendarBook, year: number): CalendarYearView {
  const e = book.years.get(year);
  if (e === undefined) {
    return { year, status: 'provisional', basis: 'rule', holidays: provisionalYear(year).holidays, workingDays: [], sources: [PROVISIONAL_SOURCE] };
  }
  return { year, status: e.official ? 'official' : 'provisional', basis: 'entered', holidays: [...e.holidays], workingDays: [...e.workingDays], sources: [...e.sources] };
}

export const PROVISIONAL_SOURCE =
  'provisional, by rule: Labour Code 2019 art. 112 (1/1, Tết eve and 4 days, Hùng Kings 10/3 lunar, 30/4, 1/5, 2/9 and one adjacent weekday), art. 111(3) compensation';

/** Years GET /calendar lists: every entered year and every year from the first of them to two years after `nowYear`. */
export function listedYears(book: CalendarBook, nowYear: number): number[] {
  const entered = [...book.years.keys()];
  const first = Math.min(nowYear, ...entered);
  const last = Math.max(nowYear + 2, ...entered);
  const years: number[] = [];
  for (let y = first; y <= last; y++) years.push(y);
  return years;
}

/** A working day needs at least this much office time (issue 21: 08:00-08:01 put dues decades away). */
export const MIN_OFFICE_DAY_MS = 3_600_000;
/** A calendar may not leave this many consecutive days without a working day (Tết is at most ~9). */
export const MAX_DAYS_WITHOUT_WORK = 30;

/**
 * What makes a calendar unusable for deadlines, over the whole span it is compiled for (every
 * entered year and the provisional span): a working day shorter than one office hour, or 30 days
 * in a row without a working day. Empty when it is fine. One pass over ~37,000 days.
 */
export function calendarPolicyProblems(cal: CompiledCalendar): string[] {
  const problems: string[] = [];
  if (cal.officeDayMs < MIN_OFFICE_DAY_MS) {
    problems.push(`the office hours give ${Math.round(cal.officeDayMs / 60_000)} minutes a working day; at least 60 are needed`);
  }
  // Outside the exception table the weekday rule holds (never more than two days off in a row).
  const from = cal.exFirst - 7;
  const to = cal.exFirst + cal.exWorking.length + 7;
  let run = 0;
  for (let d = from; d < to; d++) {
    if (isWorkingDayIndex(cal, d)) run = 0;
    else if (++run === MAX_DAYS_WITHOUT_WORK) {
      problems.push(`no working day in the ${MAX_DAYS_WITHOUT_WORK} days from ${formatDay(d - run + 1)} to ${formatDay(d)}; a calendar must leave a working day in every ${MAX_DAYS_WITHOUT_WORK} consecutive days`);
      break;
    }
  }
  return problems;
}

/** How many of the `days` local days from the one of `nowMs` lie in a year that is not official (start-up warning, /metrics). */
export function provisionalDaysAhead(cal: CompiledCalendar, nowMs: number, days = 90): number {
  const official = cal.officialYears;
  if (official === undefined) return 0;
  const today = dayIndexOf(nowMs);
  let n = 0;
  for (let d = today; d < today + days; d++) if (!official.has(civilFromDays(d).year)) n++;
  return n;
}

let defaultCalendar: CompiledCalendar | undefined;

/**
 * The calendar a new service starts with, built on first use and shared (immutable in practice):
 * the bundled official years and the provisional calendar of every other year.
 */
export function getDefaultCalendar(): CompiledCalendar {
  return (defaultCalendar ??= compileBook(bookFromSpec(loadDefaultCalendarSpec())));
}

function sameDays(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((d, i) => d === y[i]);
}
