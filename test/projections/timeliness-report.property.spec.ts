import { describe, expect, it } from '@jest/globals';
import { ViewReplay } from '../../src/projections/replay.js';
import { prng, type SyntheticEvent, syntheticEvents, toRecordedLog } from '../../src/projections/synthetic-history.js';
import { TimelinessIndex } from '../../src/projections/timeliness-index.js';
import {
  type GroupBy,
  type Scope,
  stepRows,
  timelinessRows,
  type TimelinessCounts,
} from '../../src/projections/timeliness-report.js';
import { byDossier, naiveCounts, naiveStepRows, testTree } from './support/naive-report.js';

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00+07:00');
const tree = testTree();

function history(seed: number, dossiers = 250) {
  const events = syntheticEvents({
    seed,
    dossiers,
    unitIds: tree.unitIds,
    procedureCodes: ['P.A', 'P.B', 'P.C'],
    start: START,
    spanMs: 90 * DAY,
    horizon: START + 95 * DAY,
  });
  return { events, log: toRecordedLog(events), dossiers: byDossier(events) };
}

/** The index as the live projector maintains it: one replace() per event. */
function liveIndex(log: ReturnType<typeof history>['log']): TimelinessIndex {
  const index = new TimelinessIndex();
  const replay = new ViewReplay();
  for (const e of log) {
    const id = e.streamId.slice('dossier-'.length);
    const before = replay.views.get(id);
    const after = replay.apply(e);
    if (after && after !== before) index.replace(before, after);
  }
  return index;
}

/** The index as a start-up load builds it: bulk add of the final views. */
function bulkIndex(log: ReturnType<typeof history>['log']): TimelinessIndex {
  const replay = new ViewReplay();
  log.forEach((e) => replay.apply(e));
  const index = new TimelinessIndex();
  for (const v of replay.views.values()) index.bulkAdd(v);
  index.seal();
  return index;
}

function randomQuery(random: () => number) {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  // Periods anywhere around the history, some empty-ish, some spanning all of it, ms-precise edges.
  const a = START - 10 * DAY + Math.floor(random() * 120 * DAY);
  const b = a + 1 + Math.floor(random() * random() * 100 * DAY);
  return {
    unitId: pick(tree.unitIds),
    scope: pick<Scope>(['self', 'subtree']),
    groupBy: pick<GroupBy>(['none', 'child', 'procedure']),
    from: a,
    end: b,
  };
}

const invariantHolds = (c: TimelinessCounts) =>
  c.carriedOver + c.received.total === c.resolved.total + c.withdrawn + c.inProgress.total;

describe('timeliness report over random valid histories', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: the fast report equals the naive computation, and the invariant holds`, () => {
      const h = history(seed);
      const live = liveIndex(h.log);
      const bulk = bulkIndex(h.log);
      const random = prng(1000 + seed);
      for (let k = 0; k < 60; k++) {
        const q = randomQuery(random);
        const rows = timelinessRows(live, tree, q);
        expect(timelinessRows(bulk, tree, q)).toEqual(rows);
        const unitsOf = (u: string) => new Set(q.scope === 'subtree' ? tree.subtree(u) : [u]);
        for (const row of rows) {
          expect(invariantHolds(row)).toBe(true);
          expect(row.inProgress.withinDue + row.inProgress.overdue).toBe(row.inProgress.total);
          expect(row.inProgress.awaitingSupplement).toBeLessThanOrEqual(row.inProgress.withinDue);
          const { key, ...counts } = row;
          const include =
            q.groupBy === 'procedure'
              ? (u: string, p: string) => unitsOf(q.unitId).has(u) && p === key
              : q.groupBy === 'child' && key !== q.unitId
                ? (u: string) => unitsOf(key).has(u)
                : q.groupBy === 'child'
                  ? (u: string) => u === q.unitId
                  : (u: string) => unitsOf(q.unitId).has(u);
          expect(counts).toEqual(naiveCounts(h.dossiers, include, q.from, q.end));
        }
        if (q.groupBy === 'child') expect(rows.filter((r) => r.key !== q.unitId).map((r) => r.key)).toEqual(tree.children(q.unitId).sort());
      }
    });
  }

  it('the per-procedure rows add up to the unit row', () => {
    const h = history(7);
    const index = bulkIndex(h.log);
    const q = { unitId: 'P', scope: 'subtree' as const, from: START + 20 * DAY, end: START + 94 * DAY };
    const [total] = timelinessRows(index, tree, { ...q, groupBy: 'none' });
    const byProcedure = timelinessRows(index, tree, { ...q, groupBy: 'procedure' });
    expect(byProcedure.reduce((n, r) => n + r.received.total, 0)).toBe(total.received.total);
    expect(byProcedure.reduce((n, r) => n + r.inProgress.overdue, 0)).toBe(total.inProgress.overdue);
    expect(total.received.total).toBeGreaterThan(0);
    expect(total.inProgress.overdue).toBeGreaterThan(0);
    expect(total.inProgress.awaitingSupplement).toBeGreaterThan(0);
    expect(total.resolved.lateWithApology).toBeGreaterThan(0);
  });

  for (const seed of [11, 12, 13]) {
    it(`seed ${seed}: the step report equals the naive computation`, () => {
      const h = history(seed);
      const live = liveIndex(h.log);
      const random = prng(2000 + seed);
      for (let k = 0; k < 40; k++) {
        const q = randomQuery(random);
        const units = new Set(q.scope === 'subtree' ? tree.subtree(q.unitId) : [q.unitId]);
        expect(stepRows(live, tree, q)).toEqual(naiveStepRows(h.dossiers, units, q.from, q.end));
      }
    });
  }

  it('exact at the edges: an event exactly at `from` belongs to the period, one exactly at E does not', () => {
    const h = history(21, 60);
    const index = bulkIndex(h.log);
    const instants = h.events.map((e: SyntheticEvent) => e.occurredAt);
    const random = prng(99);
    for (let k = 0; k < 100; k++) {
      const a = instants[Math.floor(random() * instants.length)];
      const b = instants[Math.floor(random() * instants.length)];
      if (a === b) continue;
      const q = { unitId: 'P', scope: 'subtree' as const, groupBy: 'none' as const, from: Math.min(a, b), end: Math.max(a, b) };
      const [{ key, ...counts }] = timelinessRows(index, tree, q);
      expect(key).toBe('P');
      expect(counts).toEqual(naiveCounts(h.dossiers, () => true, q.from, q.end));
    }
  });
});
