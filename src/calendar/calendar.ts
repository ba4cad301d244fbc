/**
 * Deadline arithmetic for dossiers (DOMAIN.md, "The clock"). Pure functions over epoch
 * milliseconds; local time is Asia/Ho_Chi_Minh, a fixed UTC+7.
 *
 * Performance model: compileCalendar turns the spec into
 *  - office intervals as millisecond offsets from local midnight, with cumulative totals, and
 *  - a dense per-day table, over the span of days the spec mentions, of the cumulative
 *    correction "holidays removed / make-up days added" relative to the Monday-Friday rule.
 * With it, W(day) = number of working days before `day` is O(1) (closed-form weekday count
 * plus one table read), so workingTimeBetween is O(1) and addWorkingTime needs a handful of
 * W evaluations whatever the duration. No Date objects are created.
 */
import { validateCalendarSpec } from './validate.js';
import { VN_CIVIL_SERVICE_CALENDAR } from './vn-civil-service-calendar.js';
import {
  civilFromDays,
  DAY_MS,
  dayIndexOf,
  instantOf,
  LOCAL_OFFSET_MS,
  parseHhMm,
  parseLocalDate,
  weekdayOf,
  weekdaysBefore,
} from './time.js';

export { validateCalendarSpec } from './validate.js';
export { localDateOf, localInstant, toLocalIso } from './time.js';

export interface OfficeInterval {
  start: string; // "08:00"
  end: string; // "12:00"
}

export interface CalendarSpec {
  officeHours: OfficeInterval[];
  cutoff: string;
  holidays: string[]; // "YYYY-MM-DD" weekdays off
  workingDays: string[]; // "YYYY-MM-DD" make-up Saturdays (working)
}

export const WORKING_HOUR_MS = 3_600_000;
/** Statutory days convert at 8 hours/day regardless of the calendar's office hours. */
export const WORKING_DAY_MS = 8 * WORKING_HOUR_MS;

export const DEFAULT_OFFICE_HOURS: readonly OfficeInterval[] = [
  { start: '08:00', end: '12:00' },
  { start: '13:00', end: '17:00' },
];
export const DEFAULT_CUTOFF = '15:00';

/** Built once by compileCalendar; treat as opaque outside this module. */
export interface CompiledCalendar {
  /** Normalized copy of the spec it was built from (dates sorted and de-duplicated). */
  readonly spec: Readonly<CalendarSpec>;
  /** Office interval bounds, ms after local midnight, half-open [opens[i], closes[i]). */
  readonly opens: readonly number[];
  readonly closes: readonly number[];
  /** Office ms elapsed in a working day at closes[i]. */
  readonly cumClose: readonly number[];
  /** Office ms in one working day (cumClose of the last interval). */
  readonly officeDayMs: number;
  readonly cutoffMs: number;
  /** First day index covered by the exception tables; days before it follow the weekday rule. */
  readonly exFirst: number;
  /** exWorking[d - exFirst] = 1 if day d is a working day (d in [exFirst, exFirst + length)). */
  readonly exWorking: Uint8Array;
  /** exDelta[i] = correction to the weekday count of working days before day exFirst + i. */
  readonly exDelta: Int32Array;
  /**
   * The years whose days were announced officially; every other year is provisional (its days are
   * the rule's, or an unofficial entry's). Undefined for a plain calendar that makes no such claim.
   */
  readonly officialYears?: ReadonlySet<number>;
}

export interface CompileOptions {
  officialYears?: Iterable<number>;
}

export function compileCalendar(spec: CalendarSpec, options: CompileOptions = {}): CompiledCalendar {
  const problems = validateCalendarSpec(spec);
  if (problems.length > 0) throw new RangeError(`invalid calendar spec: ${problems.join('; ')}`);

  const opens = spec.officeHours.map((iv) => parseHhMm(iv.start)!);
  const closes = spec.officeHours.map((iv) => parseHhMm(iv.end, true)!);
  const cumClose: number[] = [];
  let acc = 0;
  for (let i = 0; i < opens.length; i++) cumClose.push((acc += closes[i] - opens[i]));

  const holidays = [...new Set(spec.holidays)].sort();
  const workingDays = [...new Set(spec.workingDays)].sort();
  const holidayDays = holidays.map((d) => parseLocalDate(d)!);
  const extraDays = workingDays.map((d) => parseLocalDate(d)!);
  const mentioned = [...holidayDays, ...extraDays];
  const exFirst = mentioned.length > 0 ? Math.min(...mentioned) : 0;
  const span = mentioned.length > 0 ? Math.max(...mentioned) - exFirst + 1 : 0;

  const exWorking = new Uint8Array(span);
  for (let i = 0; i < span; i++) exWorking[i] = weekdayOf(exFirst + i) < 5 ? 1 : 0;
  for (const d of holidayDays) exWorking[d - exFirst] = 0;
  for (const d of extraDays) exWorking[d - exFirst] = 1; // "plus workingDays" is applied last
  // exDelta has span + 1 entries so that exDelta[span] is the total correction for every later day.
  const exDelta = new Int32Array(span + 1);
  for (let i = 0; i < span; i++) {
    const base = weekdayOf(exFirst + i) < 5 ? 1 : 0;
    exDelta[i + 1] = exDelta[i] + exWorking[i] - base;
  }

  return {
    spec: Object.freeze({
      officeHours: spec.officeHours.map((iv) => ({ start: iv.start, end: iv.end })),
      cutoff: spec.cutoff,
      holidays,
      workingDays,
    }),
    opens,
    closes,
    cumClose,
    officeDayMs: acc,
    cutoffMs: parseHhMm(spec.cutoff)!,
    exFirst,
    exWorking,
    exDelta,
    ...(options.officialYears !== undefined ? { officialYears: new Set(options.officialYears) } : {}),
  };
}

// ---- day-level helpers (day = local day index) ----

function workingDayIdx(cal: CompiledCalendar, day: number): boolean {
  const i = day - cal.exFirst;
  if (i >= 0 && i < cal.exWorking.length) return cal.exWorking[i] === 1;
  return weekdayOf(day) < 5;
}

/** Number of working days before `day` (relative count: only differences matter). */
function workingDaysBefore(cal: CompiledCalendar, day: number): number {
  const i = day - cal.exFirst;
  const delta = i <= 0 ? 0 : cal.exDelta[i < cal.exDelta.length ? i : cal.exDelta.length - 1];
  return weekdaysBefore(day) + delta;
}

/** The k-th working day strictly after `day` (k >= 1). */
function nthWorkingDayAfter(cal: CompiledCalendar, day: number, k: number): number {
  const goal = workingDaysBefore(cal, day + 1) + k;
  // Each day adds at most one working day, so `missing` more days is a lower bound on the
  // answer: stepping by it never overshoots, and the gap shrinks geometrically (weekends and
  // holiday blocks only), so this ends after a few iterations whatever k is.
  let d = day + k;
  for (;;) {
    const missing = goal - workingDaysBefore(cal, d + 1);
    if (missing <= 0) return d;
    d += missing;
  }
}

/** Office ms elapsed in a working day from midnight to offset t. */
function officeUpTo(cal: CompiledCalendar, t: number): number {
  const { opens, closes, cumClose } = cal;
  for (let i = 0; i < opens.length; i++) {
    if (t <= opens[i]) return i === 0 ? 0 : cumClose[i - 1];
    if (t < closes[i]) return cumClose[i] - (closes[i] - t);
  }
  return cal.officeDayMs;
}

/** Earliest offset at which `elapsed` office ms (0 < elapsed <= officeDayMs) have passed. */
function offsetAtElapsed(cal: CompiledCalendar, elapsed: number): number {
  const { closes, cumClose } = cal;
  for (let i = 0; i < closes.length; i++) {
    if (elapsed <= cumClose[i]) return closes[i] - (cumClose[i] - elapsed);
  }
  return closes[closes.length - 1];
}

/** Offset of the first office instant at or after t on a working day, or -1 if none. */
function nextOpenOffset(cal: CompiledCalendar, t: number): number {
  const { opens, closes } = cal;
  for (let i = 0; i < opens.length; i++) {
    if (t < opens[i]) return opens[i];
    if (t < closes[i]) return t;
  }
  return -1;
}

function openingAfter(cal: CompiledCalendar, day: number): number {
  return instantOf(nthWorkingDayAfter(cal, day, 1), cal.opens[0]);
}

// ---- public API ----

export function isWorkingDay(cal: CompiledCalendar, localDate: string): boolean {
  const day = parseLocalDate(localDate);
  if (day === undefined) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(localDate)}`);
  return workingDayIdx(cal, day);
}

/** ms itself if inside office hours (intervals are half-open), else the next opening. */
export function nextOfficeInstant(cal: CompiledCalendar, ms: number): number {
  const day = dayIndexOf(ms);
  if (workingDayIdx(cal, day)) {
    const t = ms + LOCAL_OFFSET_MS - day * DAY_MS;
    const open = nextOpenOffset(cal, t);
    if (open === t) return ms;
    if (open >= 0) return instantOf(day, open);
  }
  return openingAfter(cal, day);
}

/**
 * When the statutory clock of something received at `receivedAtMs` starts: received strictly
 * after the cutoff, at/after the last closing, or on a non-working day -> next working day's
 * opening; before opening or in a break -> next office instant that day; in office -> itself.
 */
export function clockStart(cal: CompiledCalendar, receivedAtMs: number): number {
  const day = dayIndexOf(receivedAtMs);
  if (workingDayIdx(cal, day)) {
    const t = receivedAtMs + LOCAL_OFFSET_MS - day * DAY_MS;
    if (t <= cal.cutoffMs) {
      const open = nextOpenOffset(cal, t);
      if (open >= 0) return open === t ? receivedAtMs : instantOf(day, open);
    }
  }
  return openingAfter(cal, day);
}

/**
 * Earliest instant at which the office time elapsed since startMs equals durationMs, so a
 * deadline that ends exactly at a closing is that closing (Wednesday 17:00), never the next
 * opening (Thursday 08:00). Throws on a negative or non-finite duration.
 */
export function addWorkingTime(cal: CompiledCalendar, startMs: number, durationMs: number): number {
  if (!(durationMs >= 0) || !Number.isFinite(durationMs) || !Number.isFinite(startMs)) {
    throw new RangeError(`addWorkingTime needs a finite start and duration >= 0, got ${startMs}, ${durationMs}`);
  }
  if (durationMs === 0) return startMs;
  const day = dayIndexOf(startMs);
  let remaining = durationMs;
  if (workingDayIdx(cal, day)) {
    const done = officeUpTo(cal, startMs + LOCAL_OFFSET_MS - day * DAY_MS);
    const left = cal.officeDayMs - done;
    if (remaining <= left) return instantOf(day, offsetAtElapsed(cal, done + remaining));
    remaining -= left;
  }
  const dayMs = cal.officeDayMs;
  const k = Math.ceil(remaining / dayMs); // index of the working day where it ends
  const target = nthWorkingDayAfter(cal, day, k);
  return instantOf(target, offsetAtElapsed(cal, remaining - (k - 1) * dayMs));
}

/** Office time in [fromMs, toMs); 0 if toMs <= fromMs. */
export function workingTimeBetween(cal: CompiledCalendar, fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) return 0;
  const df = dayIndexOf(fromMs);
  const dt = dayIndexOf(toMs);
  const tf = fromMs + LOCAL_OFFSET_MS - df * DAY_MS;
  const tt = toMs + LOCAL_OFFSET_MS - dt * DAY_MS;
  if (df === dt) return workingDayIdx(cal, df) ? officeUpTo(cal, tt) - officeUpTo(cal, tf) : 0;
  const head = workingDayIdx(cal, df) ? cal.officeDayMs - officeUpTo(cal, tf) : 0;
  const tail = workingDayIdx(cal, dt) ? officeUpTo(cal, tt) : 0;
  const whole = workingDaysBefore(cal, dt) - workingDaysBefore(cal, df + 1);
  return head + whole * cal.officeDayMs + tail;
}

/**
 * True when some local day from the one of `fromMs` to the one of `toMs` lies in a year that is
 * not official: a due instant counted over it may move when the year is announced.
 */
export function spansProvisional(cal: CompiledCalendar, fromMs: number, toMs: number): boolean {
  const official = cal.officialYears;
  if (official === undefined) return false;
  const first = civilFromDays(dayIndexOf(Math.min(fromMs, toMs))).year;
  const last = civilFromDays(dayIndexOf(Math.max(fromMs, toMs))).year;
  for (let y = first; y <= last; y++) if (!official.has(y)) return true;
  return false;
}

/** Whether local day `day` (time.ts index) is a working day. */
export function isWorkingDayIndex(cal: CompiledCalendar, day: number): boolean {
  return workingDayIdx(cal, day);
}

/** The bundled Vietnamese civil-service calendar, all years merged into one spec (fresh copy). */
export function loadDefaultCalendarSpec(): CalendarSpec {
  const data = VN_CIVIL_SERVICE_CALENDAR;
  const years = Object.keys(data.years).sort();
  return {
    officeHours: data.officeHours.map((iv) => ({ start: iv.start, end: iv.end })),
    cutoff: data.cutoff,
    holidays: years.flatMap((y) => data.years[y].holidays),
    workingDays: years.flatMap((y) => data.years[y].workingDays),
  };
}
