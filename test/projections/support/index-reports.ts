/** Every report of every unit over a few windows: what two report indexes must agree on. */
import { DOSSIER_CATEGORIES, type TimelinessIndex, type UnitTree } from '../../../src/projections/report-index/timeliness-index.js';
import { stepRows, timelinessRows } from '../../../src/projections/report-index/timeliness-report.js';

const DAY = 86_400_000;
export const START = Date.parse('2025-01-01T00:00:00+07:00');

export function reports(index: TimelinessIndex, tree: UnitTree & { unitIds: string[] }) {
  const out: unknown[] = [];
  for (const unitId of tree.unitIds) {
    for (const [from, end] of [
      [START, START + 30 * DAY],
      [START + 20 * DAY, START + 90 * DAY],
    ]) {
      for (const groupBy of ['none', 'child', 'procedure'] as const) {
        out.push(timelinessRows(index, tree, { unitId, scope: 'subtree', groupBy, from, end }));
      }
      out.push(stepRows(index, tree, { unitId, scope: 'subtree', from, end }));
      // Every dossier category, those only the scorecard reads (digitised) included.
      const atFrom = new Float64Array(DOSSIER_CATEGORIES);
      const atEnd = new Float64Array(DOSSIER_CATEGORIES);
      for (const piece of index.cover(tree, unitId, 'subtree')) piece.all.accumulate(from, end, atFrom, atEnd);
      out.push([...atFrom], [...atEnd]);
    }
  }
  return out;
}

