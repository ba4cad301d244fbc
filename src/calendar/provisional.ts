/**
 * The provisional calendar of a year the government has not announced yet (DOMAIN.md, "The
 * calendar of a year not yet announced"): the Labour Code's holidays (art. 112) by rule, the lunar
 * ones from lunar.ts, and a holiday on a Saturday or Sunday compensated on the next working
 * day(s) (art. 111(3)). No make-up Saturdays: only an announcement gives those.
 */
import { hungKingsDay, tetDay } from './lunar.js';
import { daysFromCivil, formatDay, weekdayOf } from './time.js';

/** The span of years the service computes in by rule when no entry exists (API.md's instant ranges, with a margin). */
export const PROVISIONAL_FIRST_YEAR = 2000;
export const PROVISIONAL_LAST_YEAR = 2101;

export interface YearDays {
  holidays: string[];
  workingDays: string[];
}

const isWeekend = (day: number) => weekdayOf(day) >= 5;

/** The statutory days off of `year` (weekends included), before compensation. */
export function statutoryDays(year: number): number[] {
  const tet = tetDay(year);
  const sep2 = daysFromCivil(year, 9, 2);
  return [
    daysFromCivil(year, 1, 1),
    tet - 1, // the last day of the old lunar year (giao thừa)
    tet,
    tet + 1,
    tet + 2,
    tet + 3,
    hungKingsDay(year),
    daysFromCivil(year, 4, 30),
    daysFromCivil(year, 5, 1),
    sep2,
    nationalDayCompanion(sep2),
  ];
}

/**
 * The weekday joined to 2 September: the neighbour that links the break to a weekend (Monday 1/9
 * when 2/9 is a Tuesday, Friday 3/9 when it is a Thursday, Thursday 1/9 when it is a Friday,
 * Friday 1/9 when it is a Saturday, Monday 3/9 when it is a Sunday), else 3 September.
 */
function nationalDayCompanion(sep2: number): number {
  const touchesWeekend = (n: number) => isWeekend(Math.min(n, sep2) - 1) || isWeekend(Math.max(n, sep2) + 1) || isWeekend(sep2);
  for (const n of [sep2 - 1, sep2 + 1]) if (!isWeekend(n) && touchesWeekend(n)) return n;
  return sep2 + 1;
}

const cache = new Map<number, YearDays>();

/** The provisional days off (weekdays only) of `year`, as YYYY-MM-DD dates in order (a fresh copy). */
export function provisionalYear(year: number): YearDays {
  let days = cache.get(year);
  if (days === undefined) cache.set(year, (days = computeYear(year)));
  return { holidays: [...days.holidays], workingDays: [...days.workingDays] };
}

function computeYear(year: number): YearDays {
  const statutory = [...new Set(statutoryDays(year))].sort((a, b) => a - b);
  const off = new Set(statutory.filter((d) => !isWeekend(d)));
  // Each weekend holiday gives the next weekday that is not already off (art. 111(3)).
  for (const d of statutory) {
    if (!isWeekend(d)) continue;
    let c = d + 1;
    while (isWeekend(c) || off.has(c)) c++;
    off.add(c);
  }
  return { holidays: [...off].sort((a, b) => a - b).map(formatDay), workingDays: [] };
}

/** The calendar year (Gregorian) of a YYYY-MM-DD date. */
export const yearOf = (date: string): number => Number(date.slice(0, 4));
