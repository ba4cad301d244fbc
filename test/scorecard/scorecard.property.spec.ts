import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { replayIndexAsOf, ViewReplay } from '../../src/projections/as-of/replay.js';
import { prng, type SyntheticEvent, syntheticEvents, toRecordedLog } from '../../bench/support/synthetic-history.js';
import { type Bucket, D, type IndexOptions, TimelinessIndex } from '../../src/projections/report-index/timeliness-index.js';
import { type Fraction, ranks, type ScorecardQuery, scorecardRows } from '../../src/scorecard/scorecard.js';
import { INDICATORS, type IndicatorName, type Targets } from '../../src/targets/targets.js';
import { byDossier, naiveCounts, testTree } from '../projections/support/naive-report.js';
import { naiveFractions, naiveRanks, valueOf as value } from './support/naive-scorecard.js';
import { appendAll, openStore, tempDir } from '../projections/support/store.js';

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00+07:00');
const tree = testTree();

const parentOf = (u: string) => tree.parentOf.get(u);
const siblingsOf = (u: string) => (parentOf(u) === undefined ? [u] : tree.children(parentOf(u)!));
const unitsOf = (u: string, scope: 'self' | 'subtree') => new Set(scope === 'subtree' ? tree.subtree(u) : [u]);

/**
 * Every figure of the scorecard of `q` against the naive computation (support/naive-scorecard.ts):
 * the rows, then each figure, target, verdict and rank (ranks by sorting).
 */
function expectNaive(index: TimelinessIndex, dossiers: SyntheticEvent[][], targets: Targets, q: ScorecardQuery) {
  const { rows, rankedAmong } = scorecardRows(index, tree, targets, q);
  const ranked = q.groupBy === 'child' ? tree.children(q.unitId).sort() : siblingsOf(q.unitId).sort();
  expect(rankedAmong).toEqual(ranked);
  const rankedFractions = ranked.map((u) => naiveFractions(dossiers, unitsOf(u, q.scope), q.from, q.end));
  const rankOf = (name: IndicatorName, u: string) => naiveRanks(rankedFractions.map((f) => value(f[name])))[ranked.indexOf(u)];
  const own = naiveFractions(dossiers, new Set([q.unitId]), q.from, q.end);
  const ownCounted = naiveCounts(dossiers, (u) => u === q.unitId, q.from, q.end);
  const ownShown = ownCounted.carriedOver + ownCounted.received.total + ownCounted.resolved.total + ownCounted.withdrawn + ownCounted.inProgress.total > 0;
  const expectedKeys = q.groupBy === 'none' ? [q.unitId] : [...(ownShown ? [q.unitId] : []), ...ranked];
  expect(rows.map((r) => r.key)).toEqual(expectedKeys);
  for (const row of rows) {
    const isOwnRow = q.groupBy === 'child' && row.key === q.unitId;
    const fractions = isOwnRow ? own : rankedFractions[ranked.indexOf(row.key)];
    for (const name of INDICATORS) {
      const f = fractions[name];
      const v = value(f);
      expect({ name, ...row[name] }).toEqual({
        name,
        numerator: f.numerator,
        denominator: f.denominator,
        value: v,
        target: targets[name],
        met: v === null ? null : v >= targets[name],
        rank: isOwnRow ? null : rankOf(name, row.key),
      });
    }
  }
}

function history(seed: number, dossiers = 250) {
  const events = syntheticEvents({ seed, dossiers, unitIds: tree.unitIds, procedureCodes: ['P.A', 'P.B'], start: START, spanMs: 90 * DAY, horizon: START + 95 * DAY });
  return { events, log: toRecordedLog(events), dossiers: byDossier(events) };
}

function liveIndex(log: ReturnType<typeof history>['log'], options: IndexOptions): TimelinessIndex {
  const index = new TimelinessIndex(options);
  const replay = new ViewReplay();
  for (const e of log) {
    const before = replay.views.get(e.streamId.slice('dossier-'.length));
    const after = replay.apply(e);
    if (after && after !== before) index.replace(before, after);
  }
  return index;
}

/** The index as a start-up load builds it: bulk add of the final views. */
function bulkIndex(log: ReturnType<typeof history>['log'], options: IndexOptions): TimelinessIndex {
  const replay = new ViewReplay();
  log.forEach((e) => replay.apply(e));
  const index = new TimelinessIndex(options);
  for (const v of replay.views.values()) index.bulkAdd(v);
  index.seal();
  return index;
}

const pick = <T>(random: () => number, xs: readonly T[]) => xs[Math.floor(random() * xs.length)];

function randomQuery(random: () => number, latest = START + 120 * DAY): ScorecardQuery {
  const from = START - 10 * DAY + Math.floor(random() * 110 * DAY);
  const end = Math.min(latest, from + 1 + Math.floor(random() * random() * 100 * DAY));
  const unitId = pick(random, tree.unitIds);
  return { unitId, scope: pick(random, ['self', 'subtree'] as const), groupBy: pick(random, ['none', 'child'] as const), from, end: Math.max(from, end), siblings: siblingsOf(unitId) };
}

/** Targets on round shares, so that some figures meet theirs exactly. */
const randomTargets = (random: () => number): Targets =>
  Object.fromEntries(INDICATORS.map((name) => [name, Math.floor(random() * 11) / 10])) as Targets;

describe('scorecard over random valid histories', () => {
  for (const [variant, options] of [['unit by unit', { rollUpMinUnits: Infinity }], ['with roll-ups', { rollUpMinUnits: 2 }]] as const) {
    for (const seed of [1, 2, 3]) {
      it(`${variant}, seed ${seed}: every figure, target, verdict and rank equals the naive computation`, () => {
        const h = history(seed);
        const index = liveIndex(h.log, options);
        const random = prng(300 + seed);
        for (let k = 0; k < 60; k++) expectNaive(index, h.dossiers, randomTargets(random), randomQuery(random));
      });
    }
  }

  it('a bulk-built index answers as the live one; the digitised keys are in the units\' buckets, never in the per-procedure ones', () => {
    const h = history(5);
    const live = liveIndex(h.log, { rollUpMinUnits: 2 });
    const bulk = bulkIndex(h.log, { rollUpMinUnits: 2 });
    const random = prng(55);
    for (let k = 0; k < 40; k++) {
      const targets = randomTargets(random);
      const q = randomQuery(random);
      expect(scorecardRows(bulk, tree, targets, q)).toEqual(scorecardRows(live, tree, targets, q));
    }
    const far = START + 1000 * DAY;
    const digitised = (b: Bucket) => b.count(D.RECEIVED_DIGITIZED, far) + b.count(D.RESOLVED_RESULT_DIGITIZED, far);
    for (const index of [live, bulk]) {
      const units = index.unitList().map(([, u]) => u);
      expect(units.reduce((n, u) => n + digitised(u.all), 0)).toBeGreaterThan(0);
      expect(units.flatMap((u) => [...u.byProcedure.values()]).reduce((n, b) => n + digitised(b), 0)).toBe(0);
    }
  });

  it('the histories exercise every figure: digitised and paper dossiers and results, shares met and missed, periods without a value', () => {
    const h = history(4);
    const index = liveIndex(h.log, {});
    const q: ScorecardQuery = { unitId: 'P', scope: 'subtree', groupBy: 'child', from: START, end: START + 60 * DAY, siblings: ['P'] };
    const { rows } = scorecardRows(index, tree, { onTimeRate: 0.5, onlineShare: 0.3, digitizedShare: 0.8, resultDigitizedShare: 0.7, progressIndicator: 0.6 }, q);
    for (const name of INDICATORS) {
      const values = rows.map((r) => r[name].value!);
      expect(values.every((v) => v > 0 && v < 1)).toBe(true);
    }
    expect(rows.some((r) => r.digitizedShare.met) && rows.some((r) => !r.digitizedShare.met)).toBe(true);
    // A period where nothing was resolved: no value, no verdict, no rank.
    const [empty] = scorecardRows(index, tree, { onTimeRate: 0.5, onlineShare: 0.3, digitizedShare: 0.8, resultDigitizedShare: 0.7, progressIndicator: 0.6 }, { ...q, groupBy: 'none', from: START - 20 * DAY, end: START - 10 * DAY }).rows;
    expect(empty.onTimeRate).toEqual({ numerator: 0, denominator: 0, value: null, target: 0.5, met: null, rank: null });
  });

  describe('as of an instant, late entries included: the figures from the events recorded by then', () => {
    const h = history(7, 200);
    let tmp: ReturnType<typeof tempDir>;
    let store: EventStore;
    beforeAll(async () => {
      tmp = tempDir();
      store = openStore(tmp.dir);
      await appendAll(store, h.log);
    });
    afterAll(async () => {
      await store.close();
      tmp.remove();
    });

    it('equals the naive computation over the events recorded by asOf', async () => {
      const random = prng(77);
      let changedByLateEntries = 0;
      for (let k = 0; k < 4; k++) {
        const asOf = START + 10 * DAY + Math.floor(random() * 80 * DAY);
        const index = await replayIndexAsOf(store, asOf);
        const known = byDossier(h.events.filter((e) => e.recordedAt <= asOf));
        const targets = randomTargets(random);
        for (let j = 0; j < 15; j++) {
          const q = randomQuery(random, asOf);
          expectNaive(index, known, targets, q);
          const [later] = scorecardRows(liveIndex(h.log, {}), tree, targets, { ...q, groupBy: 'none' }).rows;
          const [then] = scorecardRows(index, tree, targets, { ...q, groupBy: 'none' }).rows;
          if (INDICATORS.some((name) => later[name].numerator !== then[name].numerator || later[name].denominator !== then[name].denominator)) changedByLateEntries++;
        }
      }
      // Some figures moved when entries recorded after asOf came in: what as-of is for.
      expect(changedByLateEntries).toBeGreaterThan(0);
    });
  });
});

describe('ranks', () => {
  const f = (numerator: number, denominator: number): Fraction => ({ numerator, denominator });

  it('the highest share first; equal shares (however written) share the best rank and the next rank skips; no value, no rank', () => {
    expect(ranks([f(1, 2), f(3, 4), f(2, 4), f(0, 0), f(0, 5), f(9, 12)])).toEqual([3, 1, 3, null, 5, 1]);
  });
});
