/**
 * The query of GET /feed: where to start (`after`, or a reconnecting client's `Last-Event-ID`) and
 * how many events one NDJSON answer holds (`limit`). Bad values are 400 before anything is read.
 */
import { type FieldError, validationFailed } from '../common/errors.js';

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;

export interface FeedParams {
  /** Events after this global position (exclusive); 0: from the beginning. */
  after: number;
  limit: number;
}

/**
 * `Last-Event-ID`, when sent, wins over `after`: an EventSource reconnects with the URL it was
 * opened with (its first `after`) and the id of the last event it received.
 */
export function parseFeedParams(query: Record<string, unknown>, lastEventId: unknown): FeedParams {
  const errors: FieldError[] = [];
  const after = position(lastEventId, 'Last-Event-ID', errors) ?? position(query.after, 'after', errors) ?? 0;
  let limit = DEFAULT_LIMIT;
  if (query.limit !== undefined) {
    const n = integer(query.limit);
    if (n === undefined || n < 1 || n > MAX_LIMIT) errors.push({ field: 'limit', message: `limit must be an integer from 1 to ${MAX_LIMIT}` });
    else limit = n;
  }
  if (errors.length > 0) throw validationFailed(errors);
  return { after, limit };
}

function position(value: unknown, field: string, errors: FieldError[]): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = integer(value);
  if (n === undefined || n < 0) {
    errors.push({ field, message: `${field} must be a log position: an integer of 0 or more (the position of the last event received)` });
    return undefined;
  }
  return n;
}

function integer(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}
