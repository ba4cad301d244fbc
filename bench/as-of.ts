/**
 * As-of province reports at province scale, and what they cost everybody else:
 *  - as-of province report latency, one at a time: at random instants of the year (the year's
 *    report as known then: asOfReportP50Ms / asOfReportP99Ms), at the year's end minus a few
 *    minutes each, and at a repeated instant;
 *  - /health latency and command latency while 1, then 4, as-of reports are computing (the four
 *    auditors retry after Retry-After when refused with 429): commandP99DuringAsOfMs with 4.
 *
 *   npm run build && node dist/bench/as-of.js [--dossiers=100000] [--seed=7] [--dir=<data dir>] [--baseline=<other build>/dist/bench/server.js] [--profile=DIR] [--phase-ms=3000]
 *
 * The server's CPU per as-of report (main thread, and the whole process with the worker) is taken
 * over the reports at random instants; --profile writes a CPU profile of this build's service.
 *
 * With --baseline, the other build's service is measured first over the same data, then this
 * one: the before/after of one run. A --dir that already holds events.db is reused as it is.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { ReadModels } from '../src/projections/read-models.js';
import { startServer } from './child.js';
import { Client } from './client.js';
import { numberOption, textOption } from './options.js';
import { now, perSecond, summarize, type Summary } from './stats.js';
import { AsOfAuditor, type Interference, interference, mainThreadCpuMs } from './support/as-of-probes.js';
import { Workload } from './workload.js';
import { generateInWorker } from './workload-worker.js';

/** As-of reports at random instants of the year, one at a time. */
const RANDOM_INSTANTS = 40;

interface ServerFigures {
  build: string;
  asOfReportP50Ms: number | null;
  asOfReportP99Ms: number | null;
  commandP99DuringAsOfMs: number | null;
  startupMs: number;
  /** Server CPU per as-of report at random instants, one at a time: its main thread's (null off Linux) and the whole process's. */
  mainThreadCpuMsPerAsOf: number | null;
  processCpuMsPerAsOf: number;
  asOfRandom: Summary;
  asOfAlone: Summary;
  asOfRepeated: Summary;
  /** The same probes with no as-of report: the floor on this machine at this time. */
  idle: Interference;
  during1: Interference;
  during4: Interference;
  /** Server CPU while the probes ran with 0, 1, 4 auditors, in % of one core (uptime's load average tells what else ran). */
  busy: { auditors: number; asOfReports: number; mainThreadPct: number | null; processPct: number }[];
  peakRssMb: number;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function loadData(dir: string, dossiers: number, seed: number): Promise<void> {
  const eventsFile = join(dir, 'events.db');
  const modelsFile = join(dir, 'read-models.db');
  if (existsSync(eventsFile)) {
    log(`reusing ${eventsFile}`);
    if (!existsSync(modelsFile)) await loadReadModels(SqliteEventStore.open({ file: eventsFile, synchronous: 'full' }), modelsFile);
    return;
  }
  const store = SqliteEventStore.open({ file: eventsFile, synchronous: 'full' });
  const t0 = now();
  const batches = generateInWorker({ seed, dossiers });
  let events = 0;
  for (;;) {
    const next = await batches.next();
    if (next.done) break;
    await Promise.all(next.value.map((a) => store.append(a.streamId, a.events, a.expectedRevision)));
    events += next.value.reduce((n, a) => n + a.events.length, 0);
  }
  log(`loaded ${events} events in ${Math.round(now() - t0)} ms (${perSecond(events, now() - t0)}/s)`);
  await loadReadModels(store, modelsFile);
}

/** The read models in bulk, as a rebuild writes them, so that the service starts over them (delete the file to have them loaded again). */
async function loadReadModels(store: SqliteEventStore, modelsFile: string): Promise<void> {
  const t0 = now();
  const models = ReadModels.createFresh(modelsFile);
  for (;;) {
    const page = await store.readAll({ afterPosition: models.checkpoint, maxCount: 10_000 });
    if (page.length === 0) break;
    models.applyBatch(page);
  }
  models.finishBulk();
  models.close();
  await store.close();
  log(`read models loaded in ${Math.round(now() - t0)} ms`);
}

async function measureServer(build: string, serverScript: string | undefined, dir: string, province: Workload['province'], profileDir?: string): Promise<ServerFigures> {
  const app = await startServer('app', dir, { serverScript, profileDir });
  const client = new Client(app.url);
  try {
    // Caught up, with the overdue watcher's marks at start done.
    let last = -1;
    for (let i = 0; i < 600; i++) {
      const s = (await client.send<{ checkpoint: number; headPosition: number; caughtUp: boolean }>('GET', '/projections/status', 'admin')).body;
      if (s.caughtUp && s.checkpoint === s.headPosition && s.headPosition === last) break;
      last = s.headPosition;
      await sleep(500);
    }
    const auditor = new AsOfAuditor(client, province);
    const asOf = (at?: number) => auditor.ask(at);
    const nextInstant = () => auditor.nextInstant();
    await asOf(nextInstant()); // warm-up
    const [main0, process0] = [mainThreadCpuMs(app.pid), await app.cpuUs()];
    const random = await auditor.atRandomInstants(RANDOM_INSTANTS);
    const [main1, process1] = [mainThreadCpuMs(app.pid), await app.cpuUs()];
    const mainThreadCpuMsPerAsOf = main0 === undefined || main1 === undefined ? null : (main1 - main0) / RANDOM_INSTANTS;
    const processCpuMsPerAsOf = (process1 - process0) / 1000 / RANDOM_INSTANTS;
    log(`  ${build}: as-of at random instants ${JSON.stringify(summarize(random))}; server CPU per report: main thread ${mainThreadCpuMsPerAsOf} ms, process ${processCpuMsPerAsOf.toFixed(1)} ms`);
    const alone: number[] = [];
    for (let i = 0; i < 5; i++) alone.push((await asOf(nextInstant())).ms);
    const repeatedAt = nextInstant();
    await asOf(repeatedAt);
    const repeated: number[] = [];
    for (let i = 0; i < 3; i++) repeated.push((await asOf(repeatedAt)).ms);
    log(`  ${build}: as-of alone ${JSON.stringify(summarize(alone))}, repeated ${JSON.stringify(summarize(repeated))}`);
    const busy: ServerFigures['busy'] = [];
    /** The probes with n auditors, and the server's CPU meanwhile (main thread, whole process) as a share of the time. */
    const phase = async (n: number) => {
      const [t0, main0, process0] = [now(), mainThreadCpuMs(app.pid), await app.cpuUs()];
      const figures = await interference(app.url, province, n, () => asOf(nextInstant()), phaseMs);
      const [t1, main1, process1] = [now(), mainThreadCpuMs(app.pid), await app.cpuUs()];
      const mainThreadPct = main0 === undefined || main1 === undefined ? null : Math.round((100 * (main1 - main0)) / (t1 - t0));
      busy.push({ auditors: n, asOfReports: figures.asOf.count, mainThreadPct, processPct: Math.round((100 * (process1 - process0)) / 1000 / (t1 - t0)) });
      log(`  ${build}: ${n} auditors ${JSON.stringify(figures)}; server CPU ${JSON.stringify(busy.at(-1))}`);
      return figures;
    };
    const idle = await phase(0);
    const during1 = await phase(1);
    const during4 = await phase(4);
    const stopped = await app.stop();
    const asOfRandom = summarize(random);
    return {
      build,
      asOfReportP50Ms: asOfRandom.p50,
      asOfReportP99Ms: asOfRandom.p99,
      commandP99DuringAsOfMs: during4.commands.p99,
      startupMs: app.startupMs,
      mainThreadCpuMsPerAsOf,
      processCpuMsPerAsOf,
      asOfRandom,
      asOfAlone: summarize(alone), asOfRepeated: summarize(repeated), idle, during1, during4, busy, peakRssMb: stopped.peakRssMb };
  } catch (error) {
    await app.stop().catch(() => undefined);
    throw error;
  } finally {
    client.close();
  }
}

const dossiers = numberOption('dossiers', 100_000);
const seed = numberOption('seed', 7);
const given = textOption('dir');
const dir = given ?? mkdtempSync(join(tmpdir(), 'as-of-bench-'));
const baseline = textOption('baseline');
const profileDir = textOption('profile');
const phaseMs = numberOption('phase-ms', 3000);
const province = new Workload({ seed, dossiers }).province;
const startedAt = new Date().toISOString();
log(`data in ${dir}`);
await loadData(dir, dossiers, seed);
const figures: ServerFigures[] = [];
if (baseline !== undefined) figures.push(await measureServer('baseline', baseline, dir, province));
figures.push(await measureServer('this build', undefined, dir, province, profileDir));
if (given === undefined) rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ dossiers, seed, startedAt, figures }, null, 2));
const f = (s: Summary) => `${s.p50?.toFixed(1)} / ${s.p99?.toFixed(1)}`;
for (const x of figures) {
  log(`\n${x.build}: as-of province report at random instants p50/p99 ${f(x.asOfRandom)} ms; at the year's end ${f(x.asOfAlone)} ms; repeated instant ${f(x.asOfRepeated)} ms; peak RSS ${x.peakRssMb} MB`);
  log(`  server CPU per as-of report: main thread ${x.mainThreadCpuMsPerAsOf ?? '?'} ms, process ${x.processCpuMsPerAsOf.toFixed(1)} ms`);
  for (const [i, [label, d]] of ([['no as-of', x.idle], ['1 as-of', x.during1], ['4 as-of', x.during4]] as const).entries()) {
    const cpu = x.busy[i];
    log(`  during ${label}: as-of ${f(d.asOf)} ms (429s ${d.asOfRefused429}); /health ${f(d.health)} ms (max ${d.health.max?.toFixed(1)}, n ${d.health.count}, not 200: ${d.healthNot200}); commands ${f(d.commands)} ms (n ${d.commands.count}, failed ${d.commandFailures}); server CPU: main thread ${cpu.mainThreadPct ?? '?'}%, process ${cpu.processPct}%`);
  }
}
