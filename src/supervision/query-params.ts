/**
 * Query-string parsing for the supervision reads: every problem is reported at once, with its
 * field, as a 400 VALIDATION_FAILED.
 */
import { localDateOf, localInstant } from '../calendar/index.js';
import { type FieldError, validationFailed } from '../common/errors.js';
import { instantRangeError } from '../common/instant-range.js';
import { ID_PATTERN, idMessage } from '../common/ids.js';
import type { GroupBy, Scope } from '../projections/report-index/timeliness-report.js';
import type { DossierStatus } from '../projections/views/dossier-view.js';

/** An ISO 8601 instant with an explicit offset (API.md): `2025-03-03T09:00:00+07:00` or `...Z`. */
const INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
export const DEFAULT_WAIT_MS = 5000;
const MAX_WAIT_MS = 30_000;

export type RawQuery = Record<string, unknown>;

export interface ReportParams {
  from: number;
  /** Undefined on a live stream without `to`: the period runs up to each evaluation's now. */
  to: number | undefined;
  scope: Scope;
  groupBy: GroupBy;
  asOf?: number;
  minPosition?: number;
  timeoutMs: number;
}

export interface ListParams {
  unitId?: string;
  scope: Scope;
  currentUnitId?: string;
  status?: DossierStatus;
  overdue?: boolean;
  limit: number;
  afterSeq: number;
  minPosition?: number;
  timeoutMs: number;
}

const STATUSES: readonly DossierStatus[] = ['received', 'awaiting_supplement', 'resolved', 'returned', 'withdrawn'];

/** Reads a query string, gathering every problem for one 400. */
export class Reader {
  readonly errors: FieldError[] = [];
  constructor(private readonly query: RawQuery) {}

  string(field: string): string | undefined {
    const v = this.query[field];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') {
      this.errors.push({ field, message: `${field} must be given once` });
      return undefined;
    }
    return v;
  }

  instant(field: string): number | undefined {
    const v = this.string(field);
    if (v === undefined) return undefined;
    const ms = Date.parse(v);
    if (!INSTANT.test(v) || Number.isNaN(ms) || !sameDate(v)) {
      this.errors.push({ field, message: `${field} must be an ISO 8601 instant with an offset, e.g. 2025-03-03T09:00:00+07:00` });
      return undefined;
    }
    const outOfRange = instantRangeError(ms, field);
    if (outOfRange) {
      this.errors.push(outOfRange);
      return undefined;
    }
    return ms;
  }

  oneOf<T extends string>(field: string, values: readonly T[], fallback: T): T;
  oneOf<T extends string>(field: string, values: readonly T[]): T | undefined;
  oneOf<T extends string>(field: string, values: readonly T[], fallback?: T): T | undefined {
    const v = this.string(field);
    if (v === undefined) return fallback;
    if (!(values as readonly string[]).includes(v)) {
      this.errors.push({ field, message: `${field} must be one of ${values.join(', ')}` });
      return fallback;
    }
    return v as T;
  }

  integer(field: string, min: number, max: number): number | undefined {
    const v = this.string(field);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d{1,16}$/.test(v) || n < min || n > max) {
      this.errors.push({ field, message: `${field} must be an integer from ${min} to ${max}` });
      return undefined;
    }
    return n;
  }

  id(field: string): string | undefined {
    const v = this.string(field);
    if (v !== undefined && !ID_PATTERN.test(v)) {
      this.errors.push({ field, message: idMessage(field) });
      return undefined;
    }
    return v;
  }

  done(): void {
    if (this.errors.length > 0) throw validationFailed(this.errors);
  }
}

/** Rejects 2025-02-30 and the like, which Date.parse rolls over silently. */
function sameDate(v: string): boolean {
  const [, y, m, d] = /^(\d{4})-(\d{2})-(\d{2})/.exec(v)!;
  const probe = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return probe.getUTCMonth() === Number(m) - 1 && probe.getUTCDate() === Number(d);
}

/** 1 January, 00:00 local (+07:00), of the year `now` falls in. */
export function startOfLocalYear(now: number): number {
  return localInstant(`${localDateOf(now).slice(0, 4)}-01-01`);
}

export function parseReportParams(query: RawQuery, now: number, options: { live?: boolean } = {}): ReportParams {
  const r = new Reader(query);
  const from = r.instant('from') ?? startOfLocalYear(now);
  const to = r.instant('to') ?? (options.live ? undefined : now);
  const scope = r.oneOf<Scope>('scope', ['self', 'subtree'], 'subtree');
  const groupBy = r.oneOf<GroupBy>('groupBy', ['none', 'procedure', 'child'], 'none');
  const asOf = options.live ? undefined : r.instant('asOf');
  if (options.live && r.string('asOf') !== undefined) r.errors.push({ field: 'asOf', message: 'a live stream has no asOf' });
  const minPosition = r.integer('minPosition', 0, Number.MAX_SAFE_INTEGER);
  const timeoutMs = r.integer('timeoutMs', 0, MAX_WAIT_MS) ?? DEFAULT_WAIT_MS;
  if (to !== undefined && !(from < to)) r.errors.push({ field: 'to', message: 'to must be after from' });
  if (to === undefined && !(from < now)) r.errors.push({ field: 'from', message: 'from must be in the past' });
  r.done();
  return { from, to, scope, groupBy, asOf, minPosition, timeoutMs };
}

export function parseStepParams(query: RawQuery, now: number): Omit<ReportParams, 'groupBy' | 'asOf'> & { to: number } {
  const p = parseReportParams({ ...query, groupBy: undefined, asOf: undefined }, now);
  return { from: p.from, to: p.to!, scope: p.scope, minPosition: p.minPosition, timeoutMs: p.timeoutMs };
}

export const MAX_PAGE = 500;
const DEFAULT_PAGE = 50;

export function parseListParams(query: RawQuery): ListParams {
  const r = new Reader(query);
  const overdue = r.oneOf('overdue', ['true', 'false']);
  const cursor = r.string('cursor');
  let afterSeq = 0;
  if (cursor !== undefined) {
    const decoded = decodeCursor(cursor);
    if (decoded === undefined) r.errors.push({ field: 'cursor', message: 'cursor is not one this service gave out' });
    else afterSeq = decoded;
  }
  const params: ListParams = {
    unitId: r.id('unitId'),
    scope: r.oneOf<Scope>('scope', ['self', 'subtree'], 'subtree'),
    currentUnitId: r.id('currentUnitId'),
    status: r.oneOf('status', STATUSES),
    overdue: overdue === undefined ? undefined : overdue === 'true',
    limit: r.integer('limit', 1, MAX_PAGE) ?? DEFAULT_PAGE,
    afterSeq,
    minPosition: r.integer('minPosition', 0, Number.MAX_SAFE_INTEGER),
    timeoutMs: r.integer('timeoutMs', 0, MAX_WAIT_MS) ?? DEFAULT_WAIT_MS,
  };
  r.done();
  return params;
}

/** Opaque to clients: the list position after which the next page starts. */
export const encodeCursor = (seq: number) => Buffer.from(JSON.stringify({ after: seq })).toString('base64url');

function decodeCursor(cursor: string): number | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    return Number.isSafeInteger(value.after) && (value.after as number) >= 0 ? (value.after as number) : undefined;
  } catch {
    return undefined;
  }
}
