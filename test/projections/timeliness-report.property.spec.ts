import { describe, expect, it } from '@jest/globals';
import { ViewReplay } from '../../src/projections/as-of/replay.js';
import { prng, type SyntheticEvent, syntheticEvents, toRecordedLog } from '../../bench/support/synthetic-history.js';
import { type IndexOptions, TimelinessIndex } from '../../src/projections/report-index/timeliness-index.js';
import {
  type GroupBy,
  isEmptyCounts,
  type Scope,
  stepRows,
  timelinessRows,
  type TimelinessCounts,
  type TimelinessRow,
  type UnitTree,
} from '../../src/projections/report-index/timeliness-report.js';
import { byDossier, naiveCounts, naiveStepRows, testTree, treeOf } from './support/naive-report.js';

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

/** Without roll-ups (every subtree summed unit by unit), and with a roll-up for every subtree of two units or more. */
const VARIANTS: [string, IndexOptions][] = [
  ['unit by unit', { rollUpMinUnits: Infinity }],
  ['with roll-ups', { rollUpMinUnits: 2 }],
];

/**
 * The index as the live projector maintains it: one replace() per event. With `warmAt`, reports
 * are asked for every subtree when that share of the log is in, so that the roll-ups they create
 * are then kept current event by event.
 */
function liveIndex(log: ReturnType<typeof history>['log'], options: IndexOptions = {}, warmAt?: number): TimelinessIndex {
  const index = new TimelinessIndex(options);
  const replay = new ViewReplay();
  log.forEach((e, i) => {
    if (warmAt !== undefined && i === Math.floor(log.length * warmAt)) {
      for (const u of tree.unitIds) timelinessRows(index, tree, { unitId: u, scope: 'subtree', groupBy: 'none', from: START, end: START + DAY });
    }
    const id = e.streamId.slice('dossier-'.length);
    const before = replay.views.get(id);
    const after = replay.apply(e);
    if (after && after !== before) index.replace(before, after);
  });
  return index;
}

/** The index as a start-up load builds it: bulk add of the final views. */
function bulkIndex(log: ReturnType<typeof history>['log'], options: IndexOptions = {}): TimelinessIndex {
  const replay = new ViewReplay();
  log.forEach((e) => replay.apply(e));
  const index = new TimelinessIndex(options);
  for (const v of replay.views.values()) index.bulkAdd(v);
  index.seal();
  return index;
}

const pick = <T>(random: () => number, xs: readonly T[]) => xs[Math.floor(random() * xs.length)];

function randomQuery(random: () => number) {
  // Periods anywhere around the history, some empty-ish, some spanning all of it, ms-precise edges.
  const a = START - 10 * DAY + Math.floor(random() * 120 * DAY);
  const b = a + 1 + Math.floor(random() * random() * 100 * DAY);
  return {
    unitId: pick(random, tree.unitIds),
    scope: pick<Scope>(random, ['self', 'subtree']),
    groupBy: pick<GroupBy>(random, ['none', 'child', 'procedure']),
    from: a,
    end: b,
  };
}

const invariantHolds = (c: TimelinessCounts) =>
  c.carriedOver + c.received.total === c.resolved.total + c.withdrawn + c.inProgress.total;

/** Checks the fast rows of `q` against the naive computation over `dossiers` and `t` (a unit tree). */
function expectNaive(rows: TimelinessRow[], q: ReturnType<typeof randomQuery>, dossiers: SyntheticEvent[][], t: UnitTree) {
  const unitsOf = (u: string) => new Set(q.scope === 'subtree' ? t.subtree(u) : [u]);
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
    expect(counts).toEqual(naiveCounts(dossiers, include, q.from, q.end));
  }
  if (q.groupBy === 'procedure') {
    // No procedure left out: every procedure with a dossier counted in the period has its row.
    const expected = new Set<string>();
    for (const events of dossiers) {
      const first = events[0].event;
      if (first.type === 'DossierReceived' && unitsOf(q.unitId).has(first.data.unitId)) expected.add(first.data.procedureCode);
    }
    const nonEmpty = [...expected].filter((p) => !isEmptyCounts(naiveCounts(dossiers, (u, code) => unitsOf(q.unitId).has(u) && code === p, q.from, q.end)));
    expect(rows.map((r) => r.key)).toEqual(nonEmpty.sort());
  }
  if (q.groupBy === 'child') expect(rows.filter((r) => r.key !== q.unitId).map((r) => r.key)).toEqual(t.children(q.unitId).sort());
}

describe('timeliness report over random valid histories', () => {
  for (const [variant, options] of VARIANTS) {
    for (const seed of [1, 2, 3, 4, 5]) {
      it(`${variant}, seed ${seed}: the fast report equals the naive computation, and the invariant holds`, () => {
        const h = history(seed);
        const live = liveIndex(h.log, options, seed / 10);
        const bulk = bulkIndex(h.log, options);
        const random = prng(1000 + seed);
        for (let k = 0; k < 60; k++) {
          const q = randomQuery(random);
          const rows = timelinessRows(live, tree, q);
          expect(timelinessRows(bulk, tree, q)).toEqual(rows);
          expectNaive(rows, q, h.dossiers, tree);
        }
      });
    }
  }

  it('bulk changes on an index already holding entries (and roll-ups) are merged in at seal', () => {
    const h = history(8);
    const half = Math.floor(h.log.length / 2);
    const index = liveIndex(h.log.slice(0, half), { rollUpMinUnits: 2 }, 0.5);
    // The second half as a bulk load would apply it: each changed dossier taken out, its final view put in.
    const replay = new ViewReplay();
    h.log.slice(0, half).forEach((e) => replay.apply(e));
    const before = new Map(replay.views);
    h.log.slice(half).forEach((e) => replay.apply(e));
    for (const [id, after] of replay.views) {
      const old = before.get(id);
      if (old === after) continue;
      if (old) index.bulkRemove(old);
      index.bulkAdd(after);
    }
    index.seal();
    const reference = bulkIndex(h.log, { rollUpMinUnits: Infinity });
    const random = prng(8);
    for (let k = 0; k < 60; k++) {
      const q = randomQuery(random);
      expect(timelinessRows(index, tree, q)).toEqual(timelinessRows(reference, tree, q));
      expect(stepRows(index, tree, q)).toEqual(stepRows(reference, tree, q));
    }
  });

  it('reports asked again and again while the log comes in (months gathered by the roll-ups, then changed) equal those summed unit by unit', () => {
    const h = history(9);
    const rolled = new TimelinessIndex({ rollUpMinUnits: 2 });
    const unitByUnit = new TimelinessIndex({ rollUpMinUnits: Infinity });
    const replay = new ViewReplay();
    const random = prng(9);
    const queries = Array.from({ length: 6 }, () => randomQuery(random));
    h.log.forEach((e, i) => {
      const id = e.streamId.slice('dossier-'.length);
      const before = replay.views.get(id);
      const after = replay.apply(e);
      if (after && after !== before) for (const index of [rolled, unitByUnit]) index.replace(before, after);
      if (i % 50 === 0) {
        // The same few periods each time (their months gathered when unchanged since the last ask), and a new one.
        for (const q of [...queries, randomQuery(random)]) {
          for (let again = 0; again < 3; again++) expect(timelinessRows(rolled, tree, q)).toEqual(timelinessRows(unitByUnit, tree, q));
          expect(stepRows(rolled, tree, q)).toEqual(stepRows(unitByUnit, tree, q));
        }
      }
    });
    for (const q of queries) expectNaive(timelinessRows(rolled, tree, q), q, h.dossiers, tree);
  });

  it('roll-ups follow changes of the unit tree: a unit moved, a unit added', () => {
    const h = history(6);
    const live = liveIndex(h.log, { rollUpMinUnits: 2 }, 0.5);
    const random = prng(6);
    // C1 moves from X1 to X2; a new unit N (no dossiers) appears under X1; C3 (with dossiers) under D1.
    const moves: [string, string][] = [
      ['C1', 'X2'],
      ['N', 'X1'],
      ['C3', 'D1'],
    ];
    let parentOf = new Map(tree.parentOf);
    for (const [unit, parent] of moves) {
      parentOf = new Map(parentOf).set(unit, parent);
      const changed = treeOf(parentOf);
      for (let k = 0; k < 30; k++) {
        const q = { ...randomQuery(random), unitId: pick(random, changed.unitIds) };
        expectNaive(timelinessRows(live, changed, q), q, h.dossiers, changed);
        const units = new Set(q.scope === 'subtree' ? changed.subtree(q.unitId) : [q.unitId]);
        expect(stepRows(live, changed, q)).toEqual(naiveStepRows(h.dossiers, units, q.from, q.end));
      }
    }
  });

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

  for (const [variant, options] of VARIANTS) {
    for (const seed of [11, 12, 13]) {
      it(`${variant}, seed ${seed}: the step report equals the naive computation`, () => {
        const h = history(seed);
        const live = liveIndex(h.log, options, (seed - 10) / 4);
        const bulk = bulkIndex(h.log, options);
        const random = prng(2000 + seed);
        for (let k = 0; k < 40; k++) {
          const q = randomQuery(random);
          const units = new Set(q.scope === 'subtree' ? tree.subtree(q.unitId) : [q.unitId]);
          const rows = stepRows(live, tree, q);
          expect(rows).toEqual(naiveStepRows(h.dossiers, units, q.from, q.end));
          expect(stepRows(bulk, tree, q)).toEqual(rows);
        }
      });
    }
  }

  for (const [variant, options] of VARIANTS) {
    it(`${variant}: exact at the edges: an event exactly at \`from\` belongs to the period, one exactly at E does not (asked again: months gathered)`, () => {
      const h = history(21, 60);
      const index = bulkIndex(h.log, options);
      const instants = h.events.map((e: SyntheticEvent) => e.occurredAt);
      const random = prng(99);
      for (let k = 0; k < 100; k++) {
        const a = instants[Math.floor(random() * instants.length)];
        const b = instants[Math.floor(random() * instants.length)];
        if (a === b) continue;
        const q = { unitId: 'P', scope: 'subtree' as const, groupBy: 'none' as const, from: Math.min(a, b), end: Math.max(a, b) };
        for (let again = 0; again < 3; again++) {
          const [{ key, ...counts }] = timelinessRows(index, tree, q);
          expect(key).toBe('P');
          expect(counts).toEqual(naiveCounts(h.dossiers, () => true, q.from, q.end));
        }
      }
    });
  }
});
