/**
 * The review lists' counts beside a timeliness report's rows (issue 24: "counts per kind in the
 * live report row"): how many dossiers of each row's units are on each list now, at the default
 * thresholds. Each list is counted once for all the report's units, then summed row by row.
 */
import type { CompiledCalendar } from '../calendar/index.js';
import { ATTENTION_KINDS, type AttentionKind, DEFAULT_THRESHOLDS, keyRanges } from './attention-kinds.js';
import type { AttentionQueries } from './attention.read-model.js';

export type AttentionCountsRow = Record<AttentionKind, number>;

/** Each unit's counts at `now`. */
export function attentionByUnit(queries: AttentionQueries, calendar: CompiledCalendar, now: number, unitIds: readonly string[]): ReadonlyMap<string, AttentionCountsRow> {
  return queries.countsByUnit(unitIds, keyRanges(calendar, now, DEFAULT_THRESHOLDS));
}

/** Each row's counts, the row given as the units whose dossiers it counts (a unit not counted: none). */
export function attentionOfRows(byUnit: ReadonlyMap<string, AttentionCountsRow>, rows: readonly (readonly string[])[]): AttentionCountsRow[] {
  return rows.map((units) => {
    const out = { overdue: 0, soon_due: 0, not_returned: 0, silent: 0 };
    for (const unitId of units) {
      const counts = byUnit.get(unitId);
      if (counts !== undefined) for (const kind of ATTENTION_KINDS) out[kind] += counts[kind];
    }
    return out;
  });
}
