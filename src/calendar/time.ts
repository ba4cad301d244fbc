/**
 * Local-time arithmetic for Asia/Ho_Chi_Minh (UTC+7, no daylight saving since 1975).
 *
 * Everything is done with integer arithmetic on epoch milliseconds instead of Date/Intl:
 * these helpers sit on the hot path of projections, and a fixed offset makes the
 * conversion a single addition.
 *
 * A "day index" is the number of local days since 1970-01-01 (local), i.e.
 * floor((utcMs + OFFSET) / DAY).
 */

export const LOCAL_OFFSET_MS = 7 * 3_600_000;
export const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Local day index of an instant. */
export function dayIndexOf(instantMs: number): number {
  return Math.floor((instantMs + LOCAL_OFFSET_MS) / DAY_MS);
}

/** UTC instant of `offsetMs` after local midnight of day `day`. */
export function instantOf(day: number, offsetMs: number): number {
  return day * DAY_MS + offsetMs - LOCAL_OFFSET_MS;
}

/** 0 = Monday ... 6 = Sunday. Day 0 (1970-01-01) was a Thursday. */
export function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/**
 * Number of Monday-to-Friday days in [anchor, day) for a fixed Monday anchor (1969-12-29).
 * Only differences of this count are meaningful; it is exact for negative days too.
 */
export function weekdaysBefore(day: number): number {
  const e = day + 3;
  const weeks = Math.floor(e / 7);
  const rem = e - weeks * 7;
  return weeks * 5 + (rem < 5 ? rem : 5);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, dayOfMonth: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + dayOfMonth - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The proleptic Gregorian date of a day index (inverse of daysFromCivil; H. Hinnant's civil_from_days). */
export function civilFromDays(day: number): { year: number; month: number; dayOfMonth: number } {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const dayOfMonth = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, dayOfMonth };
}

/** "YYYY-MM-DD" of a day index (inverse of daysFromCivil). */
export function formatDay(day: number): string {
  const { year, month, dayOfMonth } = civilFromDays(day);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(dayOfMonth, 2)}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day index of a "YYYY-MM-DD" date, or undefined if it is not a real calendar date. */
export function parseLocalDate(date: string): number | undefined {
  const m = DATE_RE.exec(date);
  if (m === null) return undefined;
  const month = Number(m[2]);
  const dom = Number(m[3]);
  if (month < 1 || month > 12 || dom < 1 || dom > 31) return undefined;
  const day = daysFromCivil(Number(m[1]), month, dom);
  // Round-tripping rejects 2025-02-30 and friends without a month-length table.
  return formatDay(day) === date ? day : undefined;
}

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Milliseconds after local midnight of "HH:MM" (00:00 to 23:59), or undefined.
 * "24:00" is accepted only when `allowEndOfDay` is set (an office interval may close at midnight).
 */
export function parseHhMm(time: string, allowEndOfDay = false): number | undefined {
  if (allowEndOfDay && time === '24:00') return DAY_MS;
  const m = TIME_RE.exec(time);
  if (m === null) return undefined;
  return Number(m[1]) * 3_600_000 + Number(m[2]) * MINUTE_MS;
}

function assertFinite(ms: number, what: string): void {
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be a finite number of epoch milliseconds, got ${ms}`);
}

/** "YYYY-MM-DD" of the local (+07:00) calendar day containing the instant. */
export function localDateOf(instantMs: number): string {
  assertFinite(instantMs, 'instant');
  return formatDay(dayIndexOf(instantMs));
}

/**
 * "2025-03-03T09:00:00+07:00". Milliseconds are appended (".123") only when non-zero, so the
 * common whole-second case reads like the DOMAIN examples and no precision is ever dropped.
 */
export function toLocalIso(ms: number): string {
  assertFinite(ms, 'instant');
  const day = dayIndexOf(ms);
  let t = ms + LOCAL_OFFSET_MS - day * DAY_MS;
  const h = Math.floor(t / 3_600_000);
  t -= h * 3_600_000;
  const min = Math.floor(t / MINUTE_MS);
  t -= min * MINUTE_MS;
  const s = Math.floor(t / 1000);
  const milli = Math.floor(t - s * 1000);
  const frac = milli === 0 ? '' : `.${pad(milli, 3)}`;
  return `${formatDay(day)}T${pad(h, 2)}:${pad(min, 2)}:${pad(s, 2)}${frac}+07:00`;
}

/**
 * Epoch ms of a local date and "HH:MM" (default midnight). Convenience for tests, fixtures and
 * callers that hold local wall-clock values; throws on malformed input.
 */
export function localInstant(localDate: string, time = '00:00'): number {
  const day = parseLocalDate(localDate);
  if (day === undefined) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(localDate)}`);
  const offset = parseHhMm(time, true);
  if (offset === undefined) throw new RangeError(`not an HH:MM time: ${JSON.stringify(time)}`);
  return instantOf(day, offset);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
