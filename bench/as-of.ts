/**
 * As-of province reports at province scale, and what they cost everybody else:
 *  - as-of province report latency, one at a time: at random instants of the year (the year's
 *    report as known then: asOfReportP50Ms / asOfReportP99Ms), at the year's end minus a few
 *    minutes each, and at a repeated instant;
 *  - /health latency and command latency while 1, then 4, as-of reports are computing (the four
 *    auditors retry after Retry-After when refused with 429): commandP99DuringAsOfMs with 4.
 *
 *   npm run build && node dist/bench/as-of.js [--dossiers=100000] [--seed=7] [--dir=<data dir>] [--baseline=<other build>/dist/bench/server.js]
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
import { Workload } from './workload.js';
import { generateInWorker } from './workload-worker.js';

const YEAR_FROM = '2025-01-01T00:00:00+07:00';
const YEAR_TO = '2026-01-01T00:00:00+07:00';
/** Past instants for the as-of answers: the end of the workload's year, minus a few minutes each. */
const AS_OF_BASE = Date.parse('2025-12-31T12:00:00+07:00');

/** As-of reports at random instants of the year, one at a time. */
const RANDOM_INSTANTS = 40;

interface ServerFigures {
  build: string;
  asOfReportP50Ms: number | null;
  asOfReportP99Ms: number | null;
  commandP99DuringAsOfMs: number | null;
  startupMs: number;
  asOfRandom: Summary;
  asOfAlone: Summary;
  asOfRepeated: Summary;
  /** The same probes with no as-of report: the floor on this machine at this time. */
  idle: Interference;
  during1: Interference;
  during4: Interference;
  peakRssMb: number;
}

interface Interference {
  asOf: Summary;
  asOfRefused429: number;
  health: Summary;
  /** /health answers other than 200 (counted, not timed). */
  healthNot200: number;
  commands: Summary;
  commandFailures: number;
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

const asOfPath = (root: string, asOf: number) =>
  `/units/${root}/timeliness?from=${encodeURIComponent(YEAR_FROM)}&to=${encodeURIComponent(YEAR_TO)}&asOf=${encodeURIComponent(new Date(asOf).toISOString())}`;

async function measureServer(build: string, serverScript: string | undefined, dir: string, province: Workload['province']): Promise<ServerFigures> {
  const app = await startServer('app', dir, { serverScript });
  const client = new Client(app.url);
  let instant = 0;
  const nextInstant = () => AS_OF_BASE - 60_000 * ++instant;
  try {
    // Caught up, with the overdue watcher's marks at start done.
    let last = -1;
    for (let i = 0; i < 600; i++) {
      const s = (await client.send<{ checkpoint: number; headPosition: number; caughtUp: boolean }>('GET', '/projections/status', 'admin')).body;
      if (s.caughtUp && s.checkpoint === s.headPosition && s.headPosition === last) break;
      last = s.headPosition;
      await sleep(500);
    }
    const asOf = async (at: number): Promise<{ ms: number; refused: number }> => {
      const t0 = now();
      let refused = 0;
      for (;;) {
        const a = await client.send('GET', asOfPath(province.root, at), 'auditor');
        if (a.status === 200) return { ms: now() - t0, refused };
        if (a.status !== 429) throw new Error(`as-of answered ${a.status}: ${JSON.stringify(a.body)}`);
        refused++;
        await sleep(1000 * (Number(a.headers?.['retry-after']) || 1));
      }
    };
    await asOf(nextInstant()); // warm-up
    const random: number[] = [];
    let state = 12345;
    const yearFrom = Date.parse(YEAR_FROM);
    for (let i = 0; i < RANDOM_INSTANTS; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      random.push((await asOf(yearFrom + Math.floor((state / 2 ** 32) * (AS_OF_BASE - yearFrom)))).ms);
    }
    log(`  ${build}: as-of at random instants ${JSON.stringify(summarize(random))}`);
    const alone: number[] = [];
    for (let i = 0; i < 5; i++) alone.push((await asOf(nextInstant())).ms);
    const repeatedAt = nextInstant();
    await asOf(repeatedAt);
    const repeated: number[] = [];
    for (let i = 0; i < 3; i++) repeated.push((await asOf(repeatedAt)).ms);
    log(`  ${build}: as-of alone ${JSON.stringify(summarize(alone))}, repeated ${JSON.stringify(summarize(repeated))}`);
    const idle = await interference(app.url, province, 0, () => asOf(nextInstant()));
    log(`  ${build}: no as-of ${JSON.stringify(idle)}`);
    const during1 = await interference(app.url, province, 1, () => asOf(nextInstant()));
    log(`  ${build}: during 1 as-of ${JSON.stringify(during1)}`);
    const during4 = await interference(app.url, province, 4, () => asOf(nextInstant()));
    log(`  ${build}: during 4 as-of ${JSON.stringify(during4)}`);
    const stopped = await app.stop();
    const asOfRandom = summarize(random);
    return {
      build,
      asOfReportP50Ms: asOfRandom.p50,
      asOfReportP99Ms: asOfRandom.p99,
      commandP99DuringAsOfMs: during4.commands.p99,
      startupMs: app.startupMs,
      asOfRandom,
      asOfAlone: summarize(alone), asOfRepeated: summarize(repeated), idle, during1, during4, peakRssMb: stopped.peakRssMb };
  } catch (error) {
    await app.stop().catch(() => undefined);
    throw error;
  } finally {
    client.close();
  }
}

/** How long commands and probes are timed while as-of reports run (at least one each). */
const DURING_MS = 3000;

/**
 * `n` auditors asking as-of reports back to back (none: 3 s of probes alone); meanwhile /health probed in turn and commands sent at 20/s, each on
 * connections of its own (a probe never waits in the client behind a command).
 */
async function interference(base: string, province: Workload['province'], n: number, asOf: () => Promise<{ ms: number; refused: number }>): Promise<Interference> {
  let running = true;
  const health: number[] = [];
  let healthNot200 = 0;
  const commands: number[] = [];
  let commandFailures = 0;
  const prober = new Client(base);
  const client = new Client(base);
  const probes = (async () => {
    while (running) {
      const a = await prober.send('GET', '/health', 'auditor');
      if (a.status === 200) health.push(a.ms);
      else healthNot200++;
      await sleep(20);
    }
  })();
  const receivers = province.units.filter((u) => u.unitId !== province.root).map((u) => u.unitId);
  const stamp = Date.now().toString(36);
  const sent: Promise<void>[] = [];
  const background = (async () => {
    for (let i = 0; running; i++) {
      sent.push(
        client
          .send('POST', '/dossiers', 'integrator', {
            dossierId: `A${stamp}-${n}-${i}`,
            procedureCode: 'HT-KHAISINH',
            unitId: receivers[i % receivers.length],
            channel: 'direct',
            receivedAt: new Date(Date.now() - 1000).toISOString(),
          })
          .then((a) => {
            if (a.status === 201) commands.push(a.ms);
            else commandFailures++;
          }),
      );
      await sleep(50);
    }
  })();
  await sleep(200);
  // Each of the n auditors asks again as soon as answered, for DURING_MS at least.
  const until = now() + DURING_MS;
  const auditor = async () => {
    const mine: { ms: number; refused: number }[] = [];
    do mine.push(await asOf());
    while (now() < until);
    return mine;
  };
  const answers = n === 0 ? (await sleep(DURING_MS), []) : (await Promise.all(Array.from({ length: n }, auditor))).flat();
  running = false;
  await Promise.all([probes, background]);
  await Promise.all(sent);
  prober.close();
  client.close();
  return {
    asOf: summarize(answers.map((a) => a.ms)),
    asOfRefused429: answers.reduce((s, a) => s + a.refused, 0),
    health: summarize(health),
    healthNot200,
    commands: summarize(commands),
    commandFailures,
  };
}

const dossiers = numberOption('dossiers', 100_000);
const seed = numberOption('seed', 7);
const given = textOption('dir');
const dir = given ?? mkdtempSync(join(tmpdir(), 'as-of-bench-'));
const baseline = textOption('baseline');
const province = new Workload({ seed, dossiers }).province;
const startedAt = new Date().toISOString();
log(`data in ${dir}`);
await loadData(dir, dossiers, seed);
const figures: ServerFigures[] = [];
if (baseline !== undefined) figures.push(await measureServer('baseline', baseline, dir, province));
figures.push(await measureServer('this build', undefined, dir, province));
if (given === undefined) rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ dossiers, seed, startedAt, figures }, null, 2));
const f = (s: Summary) => `${s.p50?.toFixed(1)} / ${s.p99?.toFixed(1)}`;
for (const x of figures) {
  log(`\n${x.build}: as-of province report at random instants p50/p99 ${f(x.asOfRandom)} ms; at the year's end ${f(x.asOfAlone)} ms; repeated instant ${f(x.asOfRepeated)} ms; peak RSS ${x.peakRssMb} MB`);
  for (const [label, d] of [['no as-of', x.idle], ['1 as-of', x.during1], ['4 as-of', x.during4]] as const) {
    log(`  during ${label}: as-of ${f(d.asOf)} ms (429s ${d.asOfRefused429}); /health ${f(d.health)} ms (max ${d.health.max?.toFixed(1)}, n ${d.health.count}, not 200: ${d.healthNot200}); commands ${f(d.commands)} ms (n ${d.commands.count}, failed ${d.commandFailures})`);
  }
}
