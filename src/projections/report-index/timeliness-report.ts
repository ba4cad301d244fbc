/**
 * The standard report (DOMAIN.md, Form II.06a) and the step report, computed from the index.
 * Pure: the same functions answer live queries, as-of replays and the property tests.
 *
 * Instants and the end instant E. An event "has happened by E" when its occurred instant is
 * strictly before E; the period is [from, E) with E = min(to, now) (never before `from`):
 *   carriedOver = received before `from` - closed before `from`
 *   received    = received in [from, E)          resolved / withdrawn = closed in [from, E)
 *   inProgress  = received before E - closed before E
 * so carriedOver + received = resolved + withdrawn + inProgress holds by construction.
 * inProgress splits at E: overdue = running segments whose due instant in force is before E;
 * awaitingSupplement = awaiting at E (part of withinDue, never overdue).
 */
import {
  type Bucket,
  CLOSED_CATEGORIES,
  D,
  DOSSIER_CATEGORIES,
  RECEIVED_CATEGORIES,
  S,
  STEP_CATEGORIES,
  type TimelinessIndex,
  type UnitIndex,
  type UnitTree,
} from './timeliness-index.js';

export type { UnitTree } from './timeliness-index.js';

export type Scope = 'self' | 'subtree';
export type GroupBy = 'none' | 'procedure' | 'child';

export interface TimelinessCounts {
  carriedOver: number;
  received: { total: number; online: number; direct: number; postal: number };
  resolved: {
    total: number;
    early: number;
    onTime: number;
    late: number;
    lateWithApology: number;
    lateWithoutApology: number;
  };
  withdrawn: number;
  inProgress: { total: number; withinDue: number; overdue: number; awaitingSupplement: number };
  /** (early + onTime) / resolved; null when nothing was resolved. */
  onTimeRate: number | null;
}

export interface TimelinessRow extends TimelinessCounts {
  key: string;
}

export interface ReportWindow {
  from: number;
  /** The end instant E. */
  end: number;
}

export interface TimelinessQuery extends ReportWindow {
  unitId: string;
  scope: Scope;
  groupBy: GroupBy;
}

/** Per-category counts before `from` and before `end`. */
export interface Tally {
  atFrom: Float64Array;
  atEnd: Float64Array;
}

/**
 * What to take off the index's counts for an answer as of an instant: the changes of the entries
 * recorded after it (as-of-deltas.ts), per receiving unit, like the index's buckets.
 */
export interface Correction {
  /** Over the dossiers received by these units: all of them, one procedure's, or the steps one unit handled. */
  tally(units: readonly string[], kind: 'all' | 'procedure' | 'handler', key?: string): Tally | undefined;
  /** The procedure codes, or handling units, with changes among these units' dossiers. */
  keys(units: readonly string[], kind: 'procedure' | 'handler'): Iterable<string>;
}

/** Per-category counts before `from` and before `end`, summed over some buckets, less a correction. */
export function tally(buckets: readonly Bucket[], categories: number, { from, end }: ReportWindow, less?: Tally) {
  const atFrom = new Float64Array(categories);
  const atEnd = new Float64Array(categories);
  for (const b of buckets) b.accumulate(from, end, atFrom, atEnd);
  if (less !== undefined) {
    for (let c = 0; c < categories; c++) {
      atFrom[c] -= less.atFrom[c];
      atEnd[c] -= less.atEnd[c];
    }
  }
  return { atFrom, atEnd };
}

/** Counts over the dossiers of some buckets (less a correction's). */
export function timelinessCounts(buckets: readonly Bucket[], window: ReportWindow, less?: Tally): TimelinessCounts {
  const { atFrom, atEnd } = tally(buckets, DOSSIER_CATEGORIES, window, less);
  return countsOf(atFrom, atEnd);
}

/** The counts from a tally of the dossier categories (before `from`, before E). */
export function countsOf(atFrom: Float64Array, atEnd: Float64Array): TimelinessCounts {
  const between = (c: number) => atEnd[c] - atFrom[c];
  const sum = (categories: readonly number[], at: Float64Array) => categories.reduce((acc, c) => acc + at[c], 0);

  const online = between(D.RECEIVED_ONLINE);
  const direct = between(D.RECEIVED_DIRECT);
  const postal = between(D.RECEIVED_POSTAL);
  const early = between(D.RESOLVED_EARLY);
  const onTime = between(D.RESOLVED_ON_TIME);
  const lateWithApology = between(D.RESOLVED_LATE_WITH_APOLOGY);
  const lateWithoutApology = between(D.RESOLVED_LATE_WITHOUT_APOLOGY);
  const late = lateWithApology + lateWithoutApology;
  const resolvedTotal = early + onTime + late;
  const inProgress = sum(RECEIVED_CATEGORIES, atEnd) - sum(CLOSED_CATEGORIES, atEnd);
  const overdue = atEnd[D.OVERDUE_START] - atEnd[D.OVERDUE_END];
  return {
    carriedOver: sum(RECEIVED_CATEGORIES, atFrom) - sum(CLOSED_CATEGORIES, atFrom),
    received: { total: online + direct + postal, online, direct, postal },
    resolved: { total: resolvedTotal, early, onTime, late, lateWithApology, lateWithoutApology },
    withdrawn: between(D.WITHDRAWN),
    inProgress: {
      total: inProgress,
      withinDue: inProgress - overdue,
      overdue,
      awaitingSupplement: atEnd[D.AWAITING_START] - atEnd[D.AWAITING_END],
    },
    onTimeRate: resolvedTotal === 0 ? null : (early + onTime) / resolvedTotal,
  };
}

export function isEmptyCounts(c: TimelinessCounts): boolean {
  return c.carriedOver === 0 && c.received.total === 0 && c.resolved.total === 0 && c.withdrawn === 0 && c.inProgress.total === 0;
}

/**
 * The rows of a report. groupBy none: one row keyed by the unit. child: one row per direct child
 * (with its subtree when scope = subtree), preceded by a row for the unit itself (its own
 * dossiers only) when that row is not all zeros. procedure: one row per procedure code with
 * any non-zero count, in code order.
 */
export function timelinessRows(index: TimelinessIndex, tree: UnitTree, q: TimelinessQuery, correction?: Correction): TimelinessRow[] {
  const allOf = (pieces: UnitIndex[]) => pieces.map((p) => p.all);
  const units = (unitId: string, scope: Scope) => (scope === 'self' ? [unitId] : tree.subtree(unitId));
  const counts = (unitId: string, scope: Scope) => {
    const covered = units(unitId, scope);
    return timelinessCounts(allOf(index.cover(tree, unitId, scope, covered)), q, correction?.tally(covered, 'all'));
  };
  switch (q.groupBy) {
    case 'none':
      return [{ key: q.unitId, ...counts(q.unitId, q.scope) }];
    case 'child': {
      const own = counts(q.unitId, 'self');
      const rows: TimelinessRow[] = isEmptyCounts(own) ? [] : [{ key: q.unitId, ...own }];
      for (const child of [...tree.children(q.unitId)].sort()) rows.push({ key: child, ...counts(child, q.scope) });
      return rows;
    }
    case 'procedure': {
      const covered = units(q.unitId, q.scope);
      const byProcedure = grouped(index.cover(tree, q.unitId, q.scope, covered), (p) => p.byProcedure);
      // As of an instant, a procedure may have entries then and none now.
      const codes = new Set([...byProcedure.keys(), ...(correction ? correction.keys(covered, 'procedure') : [])]);
      return [...codes]
        .sort()
        .map((code) => ({ key: code, ...timelinessCounts(byProcedure.get(code) ?? [], q, correction?.tally(covered, 'procedure', code)) }))
        .filter((row) => !isEmptyCounts(row));
    }
    default: {
      const never: never = q.groupBy;
      throw new Error(`unknown groupBy ${String(never)}`);
    }
  }
}

/** The buckets of some pieces, grouped by key (procedure code, handling unit). */
function grouped(pieces: UnitIndex[], buckets: (p: UnitIndex) => Map<string, Bucket>): Map<string, Bucket[]> {
  const out = new Map<string, Bucket[]>();
  for (const p of pieces) {
    for (const [k, bucket] of buckets(p)) {
      const list = out.get(k);
      if (list) list.push(bucket);
      else out.set(k, [bucket]);
    }
  }
  return out;
}

export interface StepRow {
  /** The unit that handled the steps. */
  unitId: string;
  /** Steps that ended (the dossier left the unit) in the period. */
  ended: { total: number; withAllotment: number; onTime: number; late: number };
  /** Steps still held at E. */
  open: { total: number; withAllotment: number; overrunning: number };
  /** Late dossiers resolved in the period that name this unit as responsible. */
  responsibleForLate: number;
}

export interface StepQuery extends ReportWindow {
  unitId: string;
  scope: Scope;
}

/** Step timeliness of every unit that handled a step of the dossiers received by the unit (and its subtree). */
export function stepRows(index: TimelinessIndex, tree: UnitTree, q: StepQuery, correction?: Correction): StepRow[] {
  const covered = q.scope === 'self' ? [q.unitId] : tree.subtree(q.unitId);
  const byHandler = grouped(index.cover(tree, q.unitId, q.scope, covered), (p) => p.stepsByHandler);
  const handlers = new Set([...byHandler.keys(), ...(correction ? correction.keys(covered, 'handler') : [])]);
  const rows: StepRow[] = [];
  for (const handler of [...handlers].sort()) {
    const { atFrom, atEnd } = tally(byHandler.get(handler) ?? [], STEP_CATEGORIES, q, correction?.tally(covered, 'handler', handler));
    const onTime = atEnd[S.LEFT_ON_TIME] - atFrom[S.LEFT_ON_TIME];
    const late = atEnd[S.LEFT_LATE] - atFrom[S.LEFT_LATE];
    const left = (at: Float64Array) => at[S.LEFT_WITHOUT_ALLOTMENT] + at[S.LEFT_ON_TIME] + at[S.LEFT_LATE];
    const row: StepRow = {
      unitId: handler,
      ended: { total: left(atEnd) - left(atFrom), withAllotment: onTime + late, onTime, late },
      open: {
        total: atEnd[S.ENTERED] - left(atEnd),
        withAllotment: atEnd[S.ENTERED_WITH_ALLOTMENT] - atEnd[S.LEFT_ON_TIME] - atEnd[S.LEFT_LATE],
        overrunning: atEnd[S.OVERRUN_START] - atEnd[S.OVERRUN_END],
      },
      responsibleForLate: atEnd[S.RESPONSIBLE_FOR_LATE] - atFrom[S.RESPONSIBLE_FOR_LATE],
    };
    if (row.ended.total + row.open.total + row.responsibleForLate > 0) rows.push(row);
  }
  return rows;
}
