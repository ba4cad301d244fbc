/**
 * The review lists' counts beside a timeliness report's rows (issue 24: "counts per kind in the
 * live report row"): for each row keyed by units, how many of their dossiers are on each list now,
 * at the default thresholds. One count per list for all the rows' units together, summed per row.
 */
import type { CompiledCalendar } from '../calendar/index.js';
import { ATTENTION_KINDS, type AttentionKind, DEFAULT_THRESHOLDS, keyRanges } from './attention-kinds.js';
import type { AttentionQueries } from './attention.read-model.js';

export type AttentionCountsRow = Record<AttentionKind, number>;

/** Each row's counts, the row given as the units whose dossiers it counts. */
export function attentionCountsOfRows(queries: AttentionQueries, calendar: CompiledCalendar, now: number, rows: readonly (readonly string[])[]): AttentionCountsRow[] {
  const byUnit = queries.countsByUnit([...new Set(rows.flat())], keyRanges(calendar, now, DEFAULT_THRESHOLDS));
  return rows.map((units) => {
    const out = { overdue: 0, soon_due: 0, not_returned: 0, silent: 0 };
    for (const unitId of units) {
      const counts = byUnit.get(unitId);
      if (counts !== undefined) for (const kind of ATTENTION_KINDS) out[kind] += counts[kind];
    }
    return out;
  });
}
