/**
 * Manual measurement of the projections at scale (not a test):
 *   node --import ./test/support/register-ts.mjs test/projections/measure.ts [dossiers=1000000] [units=1000]
 * 1. applies synthetic events straight into a fresh read-model file (the rebuild's batch path, in
 *    one thread), which also builds the report index;
 * 2. builds the report index from the table (what a start after a crash does);
 * 3. times report queries over a province-wide subtree (groupBy none, child, procedure) and the step
 *    report; the first query of each kind (which builds the subtrees' roll-ups) is reported apart;
 * 4. saves the index snapshot (what a clean shutdown does), reopens the file and loads it (what the
 *    next start does), and checks that it answers as the index it was saved from.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bulkLoad } from '../../bench/support/bulk-load.js';
import { ReadModels } from '../../src/projections/read-models.js';
import type { TimelinessIndex } from '../../src/projections/report-index/timeliness-index.js';
import { prng, syntheticLogPages } from '../../bench/support/synthetic-history.js';
import { type GroupBy, stepRows, timelinessRows, type UnitTree } from '../../src/projections/report-index/timeliness-report.js';

const dossiers = Number(process.argv[2] ?? 1_000_000);
const unitCount = Number(process.argv[3] ?? 1000);
const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00+07:00');

// A province: 1 root, 20 districts/departments, the rest spread below them.
const parent = new Map<string, string | undefined>([['PROV', undefined]]);
for (let d = 0; d < 20; d++) parent.set(`D${d}`, 'PROV');
for (let u = parent.size; u < unitCount; u++) parent.set(`U${u}`, `D${u % 20}`);
const childrenOf = new Map<string, string[]>();
for (const [id, p] of parent) if (p) childrenOf.set(p, [...(childrenOf.get(p) ?? []), id]);
const tree: UnitTree = {
  children: (id) => childrenOf.get(id) ?? [],
  subtree: (id) => {
    const out: string[] = [];
    const stack = [id];
    while (stack.length) {
      const x = stack.pop()!;
      out.push(x);
      stack.push(...(childrenOf.get(x) ?? []));
    }
    return out;
  },
};
const receiving = [...parent.keys()].filter((u) => u.startsWith('U'));
const procedures = Array.from({ length: 100 }, (_, i) => `P${i}`);

const dir = mkdtempSync(join(tmpdir(), 'measure-projections-'));
try {
  const t0 = performance.now();
  const pages = syntheticLogPages({ seed: 1, dossiers, unitIds: receiving, procedureCodes: procedures, start: START, spanMs: 365 * DAY }, 10_000);
  // Generation is timed apart from the load: materialise the pages lazily but count only apply time.
  const load = bulkLoad(join(dir, 'read-models.db'), pages);
  const total = performance.now() - t0;
  console.log(
    JSON.stringify({
      dossiers,
      units: unitCount,
      events: load.events,
      applyMs: Math.round(load.applyMs),
      eventsPerSecondIncludingGeneration: Math.round(load.events / (load.applyMs / 1000)),
      finishBulkMs: Math.round(load.finishMs),
      totalMs: Math.round(total),
    }),
  );

  const memory = () => {
    const m = process.memoryUsage();
    return { heapMB: Math.round(m.heapUsed / 1e6), arrayBuffersMB: Math.round(m.arrayBuffers / 1e6), rssMB: Math.round(m.rss / 1e6) };
  };
  let t = performance.now();
  const reports = (index: TimelinessIndex, label: string) => {
    const random = prng(7);
    const out: unknown[] = [];
    for (const groupBy of ['none', 'child', 'procedure'] as GroupBy[]) {
      const times: number[] = [];
      for (let i = 0; i < 301; i++) {
        const from = START + Math.floor(random() * 300 * DAY);
        const end = from + Math.floor(random() * 90 * DAY) + 1;
        t = performance.now();
        out.push(timelinessRows(index, tree, { unitId: 'PROV', scope: 'subtree', groupBy, from, end }));
        times.push(performance.now() - t);
      }
      const first = times.shift()!;
      times.sort((a, b) => a - b);
      console.log(JSON.stringify({ report: `PROV subtree groupBy=${groupBy}`, index: label, firstMs: +first.toFixed(2), p50ms: +times[150].toFixed(2), p99ms: +times[296].toFixed(2), maxMs: +times[299].toFixed(2) }));
    }
    const times: number[] = [];
    for (let i = 0; i < 101; i++) {
      const from = START + Math.floor(random() * 300 * DAY);
      t = performance.now();
      out.push(stepRows(index, tree, { unitId: 'PROV', scope: 'subtree', from, end: from + 30 * DAY }));
      times.push(performance.now() - t);
    }
    const first = times.shift()!;
    times.sort((a, b) => a - b);
    console.log(JSON.stringify({ report: 'PROV subtree steps', index: label, firstMs: +first.toFixed(2), p50ms: +times[50].toFixed(2), p99ms: +times[98].toFixed(2) }));
    return out;
  };

  // The index the load built; the queries build the roll-ups of the province and its districts.
  const answers = reports(load.index, 'bulk load');
  // A clean shutdown saves it (roll-ups included).
  t = performance.now();
  load.models.saveIndexSnapshot(load.index);
  console.log(JSON.stringify({ snapshotSaveMs: Math.round(performance.now() - t) }));
  load.models.close();
  delete (load as Partial<typeof load>).index;
  const file = join(dir, 'read-models.db');

  // A start after a crash: built from the views in the table.
  let models = ReadModels.open(file);
  t = performance.now();
  let index: TimelinessIndex | undefined = models.buildIndex();
  console.log(JSON.stringify({ buildIndexMs: Math.round(performance.now() - t), ...memory() }));
  const fromTable = reports(index, 'from table');
  models.close();
  index = undefined;

  // A start after a clean shutdown: the snapshot.
  models = ReadModels.open(file);
  t = performance.now();
  const loaded = models.loadIndex();
  console.log(JSON.stringify({ startIndexLoadMs: Math.round(performance.now() - t), source: loaded.source, ...memory() }));
  const fromSnapshot = reports(loaded.index, 'snapshot');
  console.log(JSON.stringify({ sameAnswers: isDeepStrictEqual(answers, fromTable) && isDeepStrictEqual(answers, fromSnapshot), ...memory() }));
  models.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
