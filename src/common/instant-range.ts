/**
 * The instants the service accepts (API.md): what happened lies between 2000-01-01 and now plus
 * one minute; other instants (an appointment, a report's period, `asOf`) between 2000-01-01 and
 * 2100-01-01. Far-off instants are refused at the edge rather than stored: the log is append-only,
 * so an instant stored once is there for good, and the report index covers about 1830-2109 only.
 */
import type { FieldError } from './errors.js';

/** 2000-01-01T00:00:00Z */
export const EARLIEST_INSTANT = Date.UTC(2000, 0, 1);
/** 2100-01-01T00:00:00Z (exclusive). */
export const LATEST_INSTANT = Date.UTC(2100, 0, 1);

/** The field error of an instant outside [2000-01-01, 2100-01-01), or undefined when it lies within. */
export function instantRangeError(ms: number, field: string): FieldError | undefined {
  if (ms >= EARLIEST_INSTANT && ms < LATEST_INSTANT) return undefined;
  return { field, message: `${field} must lie between 2000-01-01 and 2100-01-01` };
}
