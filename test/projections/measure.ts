/**
 * Manual measurement of the projections at scale (not a test):
 *   node --import ./test/support/register-ts.mjs test/projections/measure.ts [dossiers=1000000] [units=1000]
 * 1. applies synthetic events straight into a fresh read-model file (the rebuild's batch path);
 * 2. builds the report index from the table (what a start does);
 * 3. times report queries over a province-wide subtree (groupBy none, child, procedure) and the step report.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bulkLoad } from '../../src/projections/bulk-load.js';
import { prng, syntheticLogPages } from '../../src/projections/synthetic-history.js';
import { type GroupBy, stepRows, timelinessRows, type UnitTree } from '../../src/projections/timeliness-report.js';

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

  let t = performance.now();
  const index = load.models.buildIndex();
  console.log(JSON.stringify({ buildIndexMs: Math.round(performance.now() - t), heapMB: Math.round(process.memoryUsage().heapUsed / 1e6), rssMB: Math.round(process.memoryUsage().rss / 1e6) }));

  const random = prng(7);
  for (const groupBy of ['none', 'child', 'procedure'] as GroupBy[]) {
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const from = START + Math.floor(random() * 300 * DAY);
      const end = from + Math.floor(random() * 90 * DAY) + 1;
      t = performance.now();
      timelinessRows(index, tree, { unitId: 'PROV', scope: 'subtree', groupBy, from, end });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(JSON.stringify({ report: `PROV subtree groupBy=${groupBy}`, p50ms: +times[150].toFixed(2), p99ms: +times[296].toFixed(2), maxMs: +times[299].toFixed(2) }));
  }
  const times: number[] = [];
  for (let i = 0; i < 100; i++) {
    const from = START + Math.floor(random() * 300 * DAY);
    t = performance.now();
    stepRows(index, tree, { unitId: 'PROV', scope: 'subtree', from, end: from + 30 * DAY });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ report: 'PROV subtree steps', p50ms: +times[50].toFixed(2), p99ms: +times[98].toFixed(2) }));
  load.models.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
