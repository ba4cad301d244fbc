/**
 * The report index's memory and start-up, on a data directory of the province workload.
 *
 *   node dist/bench/index-memory.js make <dir> --dossiers=N    the workload's data directory (bench/load-province.ts)
 *   node --expose-gc dist/bench/index-memory.js heap <dir>      the index built from the table and from a snapshot:
 *                                                               bytes per dossier (heap, typed arrays), time
 *   node dist/bench/index-memory.js serve <dir> [--queries=N]   the service: start, province report p50/p99, clean
 *                                                               restart, restart after a crash, serving peak RSS
 *   node dist/bench/index-memory.js save <dir>                  how long a save of the index holds the thread: whole
 *                                                               (a clean shutdown's) and in steps (while running)
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ReadModels } from '../src/projections/read-models.js';
import { indexFromSnapshot, snapshotRows } from '../src/projections/report-index/index-snapshot.js';
import { IndexSavePolicy } from '../src/projections/report-index/index-save-policy.js';
import type { TimelinessIndex, UnitIndex, UnitTree } from '../src/projections/report-index/timeliness-index.js';
import { timelinessRows } from '../src/projections/report-index/timeliness-report.js';
import { startServer } from './child.js';
import { Client } from './client.js';
import { loadProvince } from './load-province.js';
import { numberOption, textOption } from './options.js';
import { buildProvince } from './province.js';
import { Rng } from '../src/catalog/seed/rng.js';
import { now, summarize } from './stats.js';
import { Workload } from './workload.js';

const SEED = numberOption('seed', 20250101);
const YEAR_FROM = '2025-01-01T00:00:00+07:00';
const YEAR_TO = '2026-01-01T00:00:00+07:00';
const mb = (bytes: number) => Math.round(bytes / 104857.6) / 10;

async function make(dir: string): Promise<void> {
  if (existsSync(join(dir, 'events.db'))) throw new Error(`${dir} holds a log already`);
  mkdirSync(dir, { recursive: true });
  const loaded = await loadProvince(dir, numberOption('dossiers', 100_000), SEED, console.log);
  console.log(JSON.stringify({ dossiers: loaded.tally.dossiers, events: loaded.tally.events, loadMs: loaded.loadMs, bulkMs: loaded.bulkMs, seamMs: loaded.seamMs }));
}

interface Memory {
  heapUsed: number;
  /** Outside the JS heap: typed arrays' buffers. */
  arrayBuffers: number;
  rss: number;
}

function memory(): Memory {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

function provinceTree(): { tree: UnitTree; root: string; top: string[] } {
  const province = buildProvince(new Rng(SEED));
  const children = new Map<string, string[]>();
  for (const u of province.units) if (u.parentId !== undefined) children.set(u.parentId, [...(children.get(u.parentId) ?? []), u.unitId]);
  const subtree = (id: string): string[] => [id, ...(children.get(id) ?? []).flatMap(subtree)];
  const tree: UnitTree = { children: (id) => children.get(id) ?? [], subtree };
  return { tree, root: province.root, top: [province.root, ...(children.get(province.root) ?? [])] };
}

function keysOf(u: UnitIndex): { keys: number; buckets: number } {
  let keys = u.all.size;
  let buckets = 1;
  for (const b of u.byProcedure.values()) (keys += b.size), buckets++;
  for (const b of u.stepsByHandler.values()) (keys += b.size), buckets++;
  return { keys, buckets };
}

function shape(index: TimelinessIndex) {
  let unitKeys = 0;
  let unitBuckets = 0;
  for (const [, u] of index.unitList()) {
    const k = keysOf(u);
    unitKeys += k.keys;
    unitBuckets += k.buckets;
  }
  let rollUpKeys = 0;
  for (const r of index.rollUpList()) rollUpKeys += keysOf(r).keys;
  return { units: index.unitList().length, unitBuckets, unitKeys, rollUps: index.rollUpList().length, rollUpKeys };
}

function heap(dir: string): void {
  const { tree, root, top } = provinceTree();
  const m0 = memory();
  const models = ReadModels.open(join(dir, 'read-models.db'));
  const dossiers = (models.database.prepare('SELECT count(*) AS n FROM dossiers').get() as { n: number }).n;
  const m1 = memory();
  let t = now();
  let index: TimelinessIndex | undefined = models.buildIndex();
  const buildMs = now() - t;
  const m2 = memory();
  t = now();
  for (const unitId of top) index.cover(tree, unitId, 'subtree');
  const rollUpMs = now() - t;
  const m3 = memory();
  const s = shape(index);
  const q = { unitId: root, scope: 'subtree' as const, groupBy: 'none' as const, from: Date.parse(YEAR_FROM), end: Date.parse(YEAR_TO) };
  const expected = JSON.stringify(timelinessRows(index, tree, q));
  // Report CPU per query, in process: the year (month starts), and periods inside months.
  const cpuUs = (runs: number, f: () => unknown) => {
    f();
    const c0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) f();
    const c = process.cpuUsage(c0);
    return Math.round(((c.user + c.system) / runs) * 10) / 10;
  };
  const mid = { from: Date.parse('2025-03-10T09:30:00+07:00'), end: Date.parse('2025-03-17T09:30:00+07:00') };
  const queryCpuUs = {
    provinceYear: cpuUs(2000, () => timelinessRows(index!, tree, q)),
    provinceWeek: cpuUs(500, () => timelinessRows(index!, tree, { ...q, ...mid })),
    provinceByChildWeek: cpuUs(200, () => timelinessRows(index!, tree, { ...q, ...mid, groupBy: 'child' })),
    provinceByProcedureWeek: cpuUs(50, () => timelinessRows(index!, tree, { ...q, ...mid, groupBy: 'procedure' })),
    provinceByProcedureYear: cpuUs(50, () => timelinessRows(index!, tree, { ...q, groupBy: 'procedure' })),
  };
  t = now();
  const rows = [...snapshotRows(index)];
  const snapshotMs = now() - t;
  const snapshotBytes = rows.reduce((n, r) => n + r.keys.byteLength + r.directory.length, 0);
  index = undefined;
  const m4 = memory();
  t = now();
  const loaded = indexFromSnapshot(rows);
  const loadMs = now() - t;
  if (JSON.stringify(timelinessRows(loaded, tree, q)) !== expected) throw new Error('the snapshot answers differently');
  const m5 = memory();
  const per = (a: Memory, b: Memory) => ({
    heapPerDossier: Math.round((b.heapUsed - a.heapUsed) / dossiers),
    buffersPerDossier: Math.round((b.arrayBuffers - a.arrayBuffers) / dossiers),
    heapMb: mb(b.heapUsed - a.heapUsed),
    buffersMb: mb(b.arrayBuffers - a.arrayBuffers),
  });
  console.log(
    JSON.stringify(
      {
        dossiers,
        shape: { ...s, keysPerDossier: Math.round((s.unitKeys / dossiers) * 10) / 10, rollUpKeysPerDossier: Math.round((s.rollUpKeys / dossiers) * 10) / 10 },
        openModels: per(m0, m1),
        unitsFromTable: { ms: Math.round(buildMs), ...per(m1, m2) },
        rollUpsOfTop: { count: top.length, ms: Math.round(rollUpMs), ...per(m2, m3) },
        queryCpuUs,
        snapshot: { ms: Math.round(snapshotMs), mb: mb(snapshotBytes), loadMs: Math.round(loadMs), ...per(m4, m5) },
        rssMb: mb(m5.rss),
      },
      null,
      1,
    ),
  );
  models.close();
}

/**
 * How long saving the index holds the thread: a whole save (a clean shutdown's) and a save in
 * steps as the running service makes them (index-save-policy.ts), on the service's own file.
 */
function save(dir: string): void {
  const models = ReadModels.open(join(dir, 'read-models.db'));
  let t = now();
  const { index, source } = models.loadIndex();
  const loadMs = Math.round(now() - t);
  const thread = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  const timed = (f: () => void) => {
    const [w, c] = [now(), thread()];
    f();
    return { ms: Math.round(now() - w), cpuMs: Math.round(thread() - c) };
  };
  const whole = timed(() => models.saveIndexSnapshot(index));
  const queue: (() => void)[] = [];
  const policy = new IndexSavePolicy({ afterDeltas: 0, schedule: (step) => void queue.push(step), logger: { log: () => undefined, error: console.error } });
  t = now();
  policy.afterBatch(models, index);
  const startMs = now() - t;
  const stepMs: number[] = [];
  while (queue.length > 0) {
    const w = now();
    queue.shift()!();
    stepMs.push(now() - w);
  }
  const stepped = summarize(stepMs);
  console.log(
    JSON.stringify({
      source,
      loadMs,
      wholeSave: whole,
      steppedSave: { steps: stepMs.length, startMs: Math.round(startMs), p50: stepped.p50, p99: stepped.p99, maxMs: Math.round(Math.max(...stepMs)), totalMs: Math.round(stepMs.reduce((a, b) => a + b, 0)) },
    }),
  );
  models.close();
}

async function serve(dir: string): Promise<void> {
  const queries = numberOption('queries', 300);
  // Another build's server (to compare two versions on the same data): --server=/path/to/dist/bench/server.js
  const serverScript = textOption('server');
  const start = async () => {
    const s = await startServer('app', dir, { serverScript });
    return { s, cpuMs: Math.round((await s.cpuUs()) / 1000) };
  };
  const province = new Workload({ seed: SEED, dossiers: 1 }).province;
  const path = `/units/${province.root}/timeliness?from=${encodeURIComponent(YEAR_FROM)}&to=${encodeURIComponent(YEAR_TO)}`;
  const timeReports = async (client: Client) => {
    const ms: number[] = [];
    for (let i = 0; i < 5 + queries; i++) {
      const a = await client.send('GET', path, 'auditor');
      if (a.status !== 200) throw new Error(`GET ${path} answered ${a.status}`);
      if (i >= 5) ms.push(a.ms);
    }
    return summarize(ms);
  };
  const caughtUp = async (client: Client) => {
    for (let i = 0; i < 600; i++) {
      const s = (await client.send<{ checkpoint: number; headPosition: number; caughtUp: boolean }>('GET', '/projections/status', 'admin')).body;
      if (s.caughtUp && s.checkpoint === s.headPosition) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  // A clean start first (it saves the index at its stop), then a measured clean restart, then a crash.
  const { s: first } = await start();
  await caughtUp(new Client(first.url));
  await first.stop();
  const { s: clean, cpuMs: cleanCpuMs } = await start();
  const cleanClient = new Client(clean.url);
  await caughtUp(cleanClient);
  const cleanReport = await timeReports(cleanClient);
  cleanClient.close();
  const cleanStopped = await clean.stop();
  // Commands the saved index does not hold, then a crash: the next start cannot use the saved index.
  const { s: again } = await start();
  const againClient = new Client(again.url);
  for (let i = 0; i < 20; i++) {
    const body = { dossierId: `crash-probe-${Date.now()}-${i}`, procedureCode: 'HT-KHAISINH', unitId: province.centre, channel: 'online', receivedAt: new Date().toISOString() };
    const sent = await againClient.send('POST', '/dossiers', 'integrator', body);
    if (sent.status !== 201) throw new Error(`a command before the crash answered ${sent.status}`);
  }
  await caughtUp(againClient);
  againClient.close();
  await again.kill();
  const { s: crashed, cpuMs: crashCpuMs } = await start();
  const crashedClient = new Client(crashed.url);
  await caughtUp(crashedClient);
  const crashedReport = await timeReports(crashedClient);
  crashedClient.close();
  const crashedStopped = await crashed.stop();
  console.log(
    JSON.stringify({
      cleanRestartMs: clean.startupMs,
      cleanRestartCpuMs: cleanCpuMs,
      cleanPeakRssMb: cleanStopped.peakRssMb,
      cleanReport: { p50: cleanReport.p50, p99: cleanReport.p99 },
      crashRestartMs: crashed.startupMs,
      crashRestartCpuMs: crashCpuMs,
      crashPeakRssMb: crashedStopped.peakRssMb,
      crashReport: { p50: crashedReport.p50, p99: crashedReport.p99 },
    }),
  );
}

const [mode, dir] = process.argv.slice(2);
if (mode === 'make') await make(dir);
else if (mode === 'heap') heap(dir);
else if (mode === 'serve') await serve(dir);
else if (mode === 'save') save(dir);
else throw new Error('usage: index-memory.js make|heap|serve|save <dir>');
