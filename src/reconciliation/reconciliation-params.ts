/** The query options of the reconciliation routes: every problem reported at once, with its field. */
import { type FieldError, validationFailed } from '../common/errors.js';
import { instantRangeError } from '../common/instant-range.js';
import { DEFAULT_WAIT_MS, type RawQuery } from '../supervision/query-params.js';

/**
 * Registers write minutes and the system keeps seconds: an instant written as 08:15 for 08:15:40
 * is the same instant, so the default tolerance is one minute.
 */
export const DEFAULT_TOLERANCE_MINUTES = 1;
const MAX_TOLERANCE_MINUTES = 10_080;
const MAX_WAIT_MS = 30_000;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export interface ReconcileParams {
  toleranceMinutes: number;
  /** The receipt span to search for dossiers missing from the register (both or neither). */
  from?: number;
  to?: number;
  minPosition?: number;
  timeoutMs: number;
}

export interface ListParams {
  limit: number;
  /** The stream revision to read back from (the cursor). */
  before?: number;
}

class Reader {
  readonly errors: FieldError[] = [];
  constructor(private readonly query: RawQuery) {}

  string(field: string): string | undefined {
    const v = this.query[field];
    if (v === undefined || v === '') return undefined;
    if (typeof v === 'string') return v;
    this.errors.push({ field, message: `${field} must be given once` });
    return undefined;
  }

  integer(field: string, min: number, max: number): number | undefined {
    const v = this.string(field);
    if (v === undefined) return undefined;
    if (/^\d{1,16}$/.test(v) && Number(v) >= min && Number(v) <= max) return Number(v);
    this.errors.push({ field, message: `${field} must be an integer from ${min} to ${max}` });
    return undefined;
  }

  instant(field: string): number | undefined {
    const v = this.string(field);
    if (v === undefined) return undefined;
    const ms = Date.parse(v);
    if (!INSTANT.test(v) || Number.isNaN(ms)) {
      this.errors.push({ field, message: `${field} must be an ISO 8601 instant with an offset, e.g. 2025-03-03T00:00:00+07:00` });
      return undefined;
    }
    const outOfRange = instantRangeError(ms, field);
    if (outOfRange) this.errors.push(outOfRange);
    return outOfRange ? undefined : ms;
  }

  done(): void {
    if (this.errors.length > 0) throw validationFailed(this.errors);
  }
}

export function parseReconcileParams(query: RawQuery): ReconcileParams {
  const r = new Reader(query);
  const p: ReconcileParams = {
    toleranceMinutes: r.integer('toleranceMinutes', 0, MAX_TOLERANCE_MINUTES) ?? DEFAULT_TOLERANCE_MINUTES,
    from: r.instant('from'),
    to: r.instant('to'),
    minPosition: r.integer('minPosition', 0, Number.MAX_SAFE_INTEGER),
    timeoutMs: r.integer('timeoutMs', 0, MAX_WAIT_MS) ?? DEFAULT_WAIT_MS,
  };
  if ((p.from === undefined) !== (p.to === undefined) && r.errors.length === 0) r.errors.push({ field: p.from === undefined ? 'from' : 'to', message: 'from and to go together' });
  if (p.from !== undefined && p.to !== undefined && !(p.from < p.to)) r.errors.push({ field: 'to', message: 'to must be after from' });
  r.done();
  return p;
}

export const MAX_LIST_PAGE = 100;

export function parseListParams(query: RawQuery): ListParams {
  const r = new Reader(query);
  const limit = r.integer('limit', 1, MAX_LIST_PAGE) ?? 20;
  const cursor = r.string('cursor');
  const before = cursor === undefined ? undefined : decodeCursor(cursor);
  if (cursor !== undefined && before === undefined) r.errors.push({ field: 'cursor', message: 'cursor is not one this service gave out' });
  r.done();
  return { limit, before };
}

/** Opaque to clients: the stream revision the next page starts from. */
export const encodeCursor = (revision: number) => Buffer.from(JSON.stringify({ before: revision })).toString('base64url');

export function decodeCursor(cursor: string): number | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    return Number.isSafeInteger(value.before) && (value.before as number) >= 0 ? (value.before as number) : undefined;
  } catch {
    return undefined;
  }
}
