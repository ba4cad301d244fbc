/**
 * `new Date(ms).toISOString()` without the Date: a command formats about ten instants (event data,
 * metadata, the answer), and V8's Date formatting costs about three times this arithmetic.
 * Same output for every instant; outside years 1970-9999 (or for a fraction of a millisecond,
 * NaN, ...) it is Date's own, errors included.
 */
import { civilFromDays, DAY_MS } from '../calendar/time.js';

/** 9999-12-31T23:59:59.999Z */
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;
const ZERO = 48;
const DASH = 45;
const COLON = 58;
const DOT = 46;
const T = 84;
const Z = 90;

export function isoInstant(ms: number): string {
  if (!(ms >= 0 && ms <= LAST_FOUR_DIGIT_YEAR_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  const { year, month, dayOfMonth: day } = civilFromDays(days);
  // One flat string (a chain of `+` would leave a rope that JSON.stringify flattens later).
  return String.fromCharCode(
    ZERO + Math.floor(year / 1000), ZERO + (Math.floor(year / 100) % 10), ZERO + (Math.floor(year / 10) % 10), ZERO + (year % 10), DASH,
    ZERO + Math.floor(month / 10), ZERO + (month % 10), DASH, ZERO + Math.floor(day / 10), ZERO + (day % 10), T,
    ZERO + Math.floor(hour / 10), ZERO + (hour % 10), COLON, ZERO + Math.floor(minute / 10), ZERO + (minute % 10), COLON,
    ZERO + Math.floor(second / 10), ZERO + (second % 10), DOT,
    ZERO + Math.floor(milli / 100), ZERO + (Math.floor(milli / 10) % 10), ZERO + (milli % 10), Z,
  );
}
