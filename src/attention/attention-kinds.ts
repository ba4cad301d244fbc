/**
 * The four review lists (DOMAIN.md, "Attention lists") as ranges of one instant per dossier, so
 * that a list is a range scan of an index in its order, most urgent first:
 *  - overdue:      running (not awaiting a supplement), due < now;                 by due
 *  - soon_due:     running, due >= now with at most N working hours before it;     by due
 *  - not_returned: resolved, result not returned, more than N working days ago;    by resolvedAt
 *  - silent:       open (awaiting a supplement too), nothing happened for more than
 *                  N working days, by occurred instants;                           by lastEventAt
 * Pure: `now` and the calendar are given.
 */
import { addWorkingTime, type CompiledCalendar, nextOfficeInstant, toLocalIso, WORKING_DAY_MS, WORKING_HOUR_MS, workingTimeBetween } from '../calendar/index.js';
import type { AttentionRow } from './attention-row.js';

export const ATTENTION_KINDS = ['overdue', 'soon_due', 'not_returned', 'silent'] as const;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

export interface Thresholds {
  /** soon_due: due within this many working hours from now. */
  withinWorkingHours: number;
  /** not_returned and silent: for more than this many working days (of 8 office hours). */
  afterWorkingDays: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { withinWorkingHours: 8, afterWorkingDays: 5 };

/** The instants of a list's sort key that belong to it: [from, before). */
export interface KeyRange {
  from: number;
  before: number;
}

/** The `from` of a list that runs from the start (every instant before its end). */
export const FROM_THE_START = -Number.MAX_SAFE_INTEGER;

/** Each list's range at `now`. */
export function keyRanges(calendar: CompiledCalendar, now: number, t: Thresholds): Record<AttentionKind, KeyRange> {
  const longAgo = workingTimeAgo(calendar, now, t.afterWorkingDays * WORKING_DAY_MS);
  return {
    overdue: { from: FROM_THE_START, before: now },
    // Up to the last instant with at most N working hours before it: past a closing, up to the next opening.
    soon_due: { from: now, before: nextOfficeInstant(calendar, addWorkingTime(calendar, now, t.withinWorkingHours * WORKING_HOUR_MS)) + 1 },
    not_returned: { from: FROM_THE_START, before: longAgo },
    silent: { from: FROM_THE_START, before: longAgo },
  };
}

/**
 * The earliest instant r with at most `officeMs` of office time in [r, now): an instant lies more
 * than `officeMs` of office time before now iff it is before r. Office time to now only shrinks as
 * r moves later, so r is found by bisection (workingTimeBetween is O(1)).
 */
export function workingTimeAgo(calendar: CompiledCalendar, now: number, officeMs: number): number {
  const within = (r: number) => workingTimeBetween(calendar, r, now) <= officeMs;
  let step = 86_400_000;
  let lo = now - step; // lo: more than officeMs before now, once the loop ends
  while (within(lo)) {
    step *= 2;
    lo = now - step;
  }
  let hi = now; // within
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (within(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** "2026-03-05 17:00 (+07:00)" */
export function localMinute(ms: number): string {
  const iso = toLocalIso(ms);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} (+07:00)`;
}

/** Office time in words: "3 working days 2 hours", "5 working hours", "40 working minutes" (a day is 8 office hours). */
export function officeSpan(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const days = Math.floor(ms / WORKING_DAY_MS);
  const hours = Math.floor((ms - days * WORKING_DAY_MS) / WORKING_HOUR_MS);
  const minutes = Math.floor((ms - days * WORKING_DAY_MS - hours * WORKING_HOUR_MS) / 60_000);
  if (days > 0) return `${plural(days, 'working day')}${hours > 0 ? ` ${plural(hours, 'hour')}` : ''}`;
  if (hours > 0) return `${plural(hours, 'working hour')}${minutes > 0 ? ` ${plural(minutes, 'minute')}` : ''}`;
  return minutes > 0 ? plural(minutes, 'working minute') : 'less than a working minute';
}

/** Why the dossier is on the list, in a sentence. */
export function why(kind: AttentionKind, row: AttentionRow, calendar: CompiledCalendar, now: number): string {
  switch (kind) {
    case 'overdue':
      return `overdue since ${localMinute(row.dueAt)}, ${officeSpan(workingTimeBetween(calendar, row.dueAt, now))}`;
    case 'soon_due':
      return `due ${localMinute(row.dueAt)}, in ${officeSpan(workingTimeBetween(calendar, now, row.dueAt))}`;
    case 'not_returned':
      return `resolved ${localMinute(row.resolvedAt!)}, result not returned after ${officeSpan(workingTimeBetween(calendar, row.resolvedAt!, now))}`;
    case 'silent': {
      const quiet = `nothing has happened since ${localMinute(row.lastEventAt)}, ${officeSpan(workingTimeBetween(calendar, row.lastEventAt, now))}`;
      return row.status === 'awaiting_supplement' ? `awaiting a supplement; ${quiet}` : quiet;
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown kind ${String(never)}`);
    }
  }
}
