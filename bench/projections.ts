/**
 * The read side at province scale: the workload's events bulk-loaded into the store, then
 *  - the projection built in bulk (read models as a rebuild writes them, driven from here);
 *  - the real service started over that data (startup = read models opened, report index built);
 *  - report queries over HTTP, one at a time: the province root's subtree for the whole year,
 *    and random units, periods, scopes and groupings;
 *  - as-of province reports at random instants, then commands while four auditors ask them;
 *  - the rebuild through the service (POST /projections/rebuild?wait=true);
 *  - live lag: with a steady background of commands, probe commands whose acknowledgement
 *    carries a log position, timed until the province root's SSE stream pushes a report at
 *    or past that position.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './child.js';
import { Client, openSse, type SseMessage } from './client.js';
import { Rng } from '../src/catalog/seed/rng.js';
import { now, perSecond, summarize, type Summary } from './stats.js';
import { Workload, type WorkloadTally } from './workload.js';
import { loadProvince } from './load-province.js';
import { measureAsOf } from './support/as-of-probes.js';

export interface ProjectionOptions {
  dir: string;
  dossiers: number;
  seed: number;
  /** Report queries of each kind. */
  reportQueries: number;
  /** As-of province reports at random instants. */
  asOfInstants: number;
  /** Live-lag probes. */
  probes: number;
  /** Background commands per second during the live-lag probes. */
  backgroundRate: number;
  /** Leave out the service's rebuild (it takes long at 5 M dossiers): its figures are then null. */
  skipRebuild?: boolean;
}

export interface ProjectionFigures extends LiveFigures {
  dossiers: number;
  events: number;
  workload: WorkloadTally;
  /** Generating and appending the workload (batches of appends, one transaction each). */
  loadEventsPerSecond: number;
  loadSeconds: number;
  /** Read models built in bulk from the log by the benchmark (the rebuild's own code path). */
  bulkProjectEventsPerSecond: number;
  /** The registered read models of the seam (entry lag, attention) built from the log after it, main thread. */
  registeredModelsEventsPerSecond: number;
  /** The year's province report as known at random instants (GET ...?asOf=), one at a time. */
  asOfReport: Summary;
  /** Commands (20/s) while four auditors ask as-of reports back to back: p50 / p99 ms. */
  commandsDuringAsOf: Summary;
  /** The service's rebuild, as it reports it (POST /projections/rebuild?wait=true). */
  rebuildEventsPerSecond: number | null;
  rebuildSeconds: number | null;
  /** Start of the service over the data: read models opened, report index built from them. */
  startupMs: number;
  /** DossierBecameOverdue appended by the watcher at start (dues passed since the workload's end). */
  watcherMarksAtStart: number;
  reportProvince: Summary;
  reportRandom: Summary;
  /** Peak RSS of the service through its first run: start, queries, the rebuild, live lag. */
  appPeakRssMb: number;
  /** The first service's peak RSS (VmHWM) at the end of each phase, MB (null off Linux): where its peak came from. */
  peakRssByPhaseMb: Record<'start' | 'reports' | 'asOf' | 'rebuild' | 'liveLag', number | null>;
  /** Peak RSS of a service that starts and serves (no rebuild): the restart after a clean stop. */
  servingPeakRssMb: number;
  /** Start after a clean stop (the report index saved at shutdown is loaded). */
  cleanRestartMs: number;
  /** Start after a crash (SIGKILL after some commands): the index is built again. */
  crashRestartMs: number;
  eventsDbMb: number;
  readModelsDbMb: number;
}

const YEAR_FROM = '2025-01-01T00:00:00+07:00';
const YEAR_TO = '2026-01-01T00:00:00+07:00';

const fileMb = (file: string) => {
  let bytes = 0;
  for (const suffix of ['', '-wal']) {
    try {
      bytes += statSync(file + suffix).size;
    } catch {
      // absent
    }
  }
  return Math.round(bytes / 1048576);
};

export async function measureProjections(o: ProjectionOptions, log: (line: string) => void): Promise<ProjectionFigures> {
  const eventsFile = join(o.dir, 'events.db');
  const readModelsFile = join(o.dir, 'read-models.db');
  // The province only (units, procedures): the events themselves are generated in a worker.
  const province = new Workload({ seed: o.seed, dossiers: o.dossiers }).province;

  // 1-2. The workload into the store, then the read models in bulk (bench/load-province.ts).
  const { tally, loadMs, projected, bulkMs, seamMs } = await loadProvince(o.dir, o.dossiers, o.seed, log);
  const events = tally.events;

  // 3. The service over the data.
  const app = await startServer('app', o.dir);
  const client = new Client(app.url);
  let stopped = false;
  try {
    const status = async () => (await client.send<{ checkpoint: number; headPosition: number; caughtUp: boolean }>('GET', '/projections/status', 'admin')).body;
    const head0 = (await status()).headPosition;
    // The overdue watcher marks what fell due since the workload's end; wait until it is done.
    let last = -1;
    for (let i = 0; i < 600; i++) {
      const s = await status();
      if (s.caughtUp && s.checkpoint === s.headPosition && s.headPosition === last) break;
      last = s.headPosition;
      await new Promise((r) => setTimeout(r, 500));
    }
    const watcherMarksAtStart = last - head0;
    log(`  service started in ${app.startupMs} ms; watcher appended ${watcherMarksAtStart} overdue marks`);
    const peakRssByPhaseMb: ProjectionFigures['peakRssByPhaseMb'] = { start: highWaterMb(app.pid), reports: null, asOf: null, rebuild: null, liveLag: null };

    // 4. Report queries, one at a time, the service otherwise idle.
    const rng = new Rng(o.seed + 1);
    const root = `/units/${province.root}/timeliness?from=${encodeURIComponent(YEAR_FROM)}&to=${encodeURIComponent(YEAR_TO)}`;
    const timeQuery = async (path: string, into: number[]) => {
      const a = await client.send('GET', path, 'auditor');
      if (a.status !== 200) throw new Error(`GET ${path} answered ${a.status}: ${JSON.stringify(a.body)}`);
      into.push(a.ms);
    };
    for (let i = 0; i < 5; i++) await timeQuery(root, []); // warm-up
    const provinceMs: number[] = [];
    for (let i = 0; i < o.reportQueries; i++) await timeQuery(root, provinceMs);
    const randomMs: number[] = [];
    for (let i = 0; i < o.reportQueries; i++) await timeQuery(randomReport(rng, province.units.map((u) => u.unitId)), randomMs);
    const reportProvince = summarize(provinceMs);
    const reportRandom = summarize(randomMs);
    peakRssByPhaseMb.reports = highWaterMb(app.pid);
    log(`  report queries: province p50 ${reportProvince.p50} ms p99 ${reportProvince.p99} ms; random p50 ${reportRandom.p50} ms p99 ${reportRandom.p99} ms`);

    // 5. As-of reports, and commands while four auditors ask them.
    const asOf = await measureAsOf(app.url, province, o.asOfInstants);
    peakRssByPhaseMb.asOf = highWaterMb(app.pid);
    log(`  as-of province report p50 ${asOf.asOfReport.p50} ms p99 ${asOf.asOfReport.p99} ms; commands during 4 as-of p99 ${asOf.during4.commands.p99} ms`);

    // 6. Rebuild through the service.
    const rebuilt = o.skipRebuild ? undefined : await rebuild(client, log);
    peakRssByPhaseMb.rebuild = highWaterMb(app.pid);

    // 7. Live lag under a steady background of commands.
    const live = await measureLiveLag(app.url, client, province.units.map((u) => u.unitId), province.root, province.centre, o, rng);
    peakRssByPhaseMb.liveLag = highWaterMb(app.pid);
    log(`  peak RSS by the end of each phase, MB: ${JSON.stringify(peakRssByPhaseMb)}`);
    log(`  live lag: p50 ${live.liveLag.p50} ms p99 ${live.liveLag.p99} ms (from send p99 ${live.liveLagFromSend.p99} ms), ${live.backgroundCommands} background commands`);

    const stoppedApp = await app.stop();
    stopped = true;

    // 8. Restarts: after that clean stop, then after a crash that follows a few commands.
    const clean = await startServer('app', o.dir);
    const cleanClient = new Client(clean.url);
    try {
      await cleanClient.send('GET', root, 'auditor');
      for (let i = 0; i < 20; i++) {
        const unitId = rng.pick(province.units.map((u) => u.unitId));
        const sent = await cleanClient.send('POST', '/dossiers', 'integrator', crashProbe(i, unitId));
        if (sent.status !== 201) throw new Error(`a command before the crash answered ${sent.status}: ${JSON.stringify(sent.body)}`);
      }
    } finally {
      cleanClient.close();
    }
    await clean.kill();
    const crashed = await startServer('app', o.dir);
    const servedAfterCrash = await crashed.stop();
    log(`  restarts: clean ${clean.startupMs} ms, after a crash ${crashed.startupMs} ms; serving peak RSS ${servedAfterCrash.peakRssMb} MB`);
    return {
      dossiers: tally.dossiers,
      events,
      workload: tally,
      loadEventsPerSecond: perSecond(events, loadMs),
      loadSeconds: Math.round(loadMs / 100) / 10,
      bulkProjectEventsPerSecond: perSecond(projected, bulkMs),
      registeredModelsEventsPerSecond: perSecond(projected, seamMs),
      asOfReport: asOf.asOfReport,
      commandsDuringAsOf: asOf.during4.commands,
      rebuildEventsPerSecond: rebuilt?.eventsPerSecond ?? null,
      rebuildSeconds: rebuilt?.seconds ?? null,
      startupMs: app.startupMs,
      watcherMarksAtStart,
      reportProvince,
      reportRandom,
      ...live,
      appPeakRssMb: stoppedApp.peakRssMb,
      peakRssByPhaseMb,
      servingPeakRssMb: servedAfterCrash.peakRssMb,
      cleanRestartMs: clean.startupMs,
      crashRestartMs: crashed.startupMs,
      eventsDbMb: fileMb(eventsFile),
      readModelsDbMb: fileMb(readModelsFile),
    };
  } finally {
    client.close();
    if (!stopped) await app.stop().catch(() => undefined);
  }
}

/** A process's peak RSS so far (VmHWM), MB; null where /proc is not there. */
function highWaterMb(pid: number): number | null {
  try {
    const kb = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

async function rebuild(client: Client, log: (line: string) => void): Promise<{ eventsPerSecond: number; seconds: number }> {
  const t0 = now();
  const rebuilt = await client.send<{ eventsPerSecond: number; events: number; durationMs: number }>('POST', '/projections/rebuild?wait=true', 'admin');
  const ms = now() - t0;
  if (rebuilt.status !== 200) throw new Error(`rebuild answered ${rebuilt.status}: ${JSON.stringify(rebuilt.body)}`);
  log(`  rebuild: ${rebuilt.body.events} events in ${Math.round(rebuilt.body.durationMs)} ms (${rebuilt.body.eventsPerSecond}/s)`);
  return { eventsPerSecond: rebuilt.body.eventsPerSecond, seconds: Math.round(ms / 100) / 10 };
}

/** A reception to make before a crash, so that the read models move past the saved index. */
function crashProbe(i: number, unitId: string): Record<string, unknown> {
  return { dossierId: `crash-probe-${Date.now()}-${i}`, procedureCode: 'HT-KHAISINH', unitId, channel: 'online', receivedAt: new Date().toISOString() };
}

/** A report on a random unit, period (week, month or quarter of the year), scope and grouping. */
function randomReport(rng: Rng, unitIds: string[]): string {
  const unit = rng.pick(unitIds);
  const month = rng.int(1, 12);
  const kind = rng.float();
  const pad = (n: number) => String(n).padStart(2, '0');
  let from: string;
  let to: string;
  if (kind < 0.4) {
    const day = rng.int(1, 21);
    from = `2025-${pad(month)}-${pad(day)}T00:00:00+07:00`;
    to = `2025-${pad(month)}-${pad(day + 7)}T00:00:00+07:00`;
  } else if (kind < 0.8) {
    from = `2025-${pad(month)}-01T00:00:00+07:00`;
    to = month === 12 ? YEAR_TO : `2025-${pad(month + 1)}-01T00:00:00+07:00`;
  } else {
    const q = rng.int(0, 3);
    from = `2025-${pad(q * 3 + 1)}-01T00:00:00+07:00`;
    to = q === 3 ? YEAR_TO : `2025-${pad(q * 3 + 4)}-01T00:00:00+07:00`;
  }
  const scope = rng.chance(0.7) ? 'subtree' : 'self';
  const groupBy = rng.pick(['none', 'none', 'procedure', 'child']);
  return `/units/${unit}/timeliness?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&scope=${scope}&groupBy=${groupBy}`;
}

interface LiveFigures {
  /** Acknowledgement of a probe command to the first SSE push at or past its position. */
  liveLag: Summary;
  /** Sending the probe to that push (adds the command's own latency). */
  liveLagFromSend: Summary;
  liveProbeTimeouts: number;
  backgroundCommands: number;
  /** Background commands per second actually sent during the probes. */
  backgroundPerSecond: number;
  backgroundFailures: number;
  sseMessages: number;
}

async function measureLiveLag(
  base: string,
  client: Client,
  unitIds: string[],
  root: string,
  centre: string,
  o: ProjectionOptions,
  rng: Rng,
): Promise<LiveFigures> {
  const waiters: { position: number; resolve(m: SseMessage): void }[] = [];
  let sseMessages = 0;
  let latest: SseMessage | undefined;
  const onMessage = (m: SseMessage) => {
    sseMessages++;
    latest = m;
    const position = Number(m.id);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].position <= position) waiters.splice(i, 1)[0].resolve(m);
    }
  };
  // The province leader's screen (every change anywhere re-evaluates it) and a district's.
  const streams = [
    await openSse(base, `/units/${root}/timeliness/live`, 'supervisor', onMessage),
    await openSse(base, `/units/H01/timeliness/live`, 'supervisor', () => undefined),
  ];
  // Received anywhere below the root but at the provincial centre, where they are then transferred
  // (never to the unit holding them, which the decider would refuse).
  const receivers = unitIds.filter((u) => u !== root && u !== centre);
  const stamp = Date.now().toString(36);
  let n = 0;
  const receive = (id: string) =>
    client.send<{ position: number }>('POST', '/dossiers', 'integrator', {
      dossierId: id,
      procedureCode: 'HT-KHAISINH',
      unitId: rng.pick(receivers),
      channel: 'direct',
      receivedAt: new Date(Date.now() - 1000).toISOString(),
    });

  // Background: receive, transfer, resolve in turn at a fixed rate.
  let backgroundCommands = 0;
  let backgroundFailures = 0;
  let running = true;
  const started = now();
  // Dossiers whose previous command has been answered: next a transfer, then a resolution.
  const received: string[] = [];
  const transferred: string[] = [];
  const background = (async () => {
    const interval = 1000 / o.backgroundRate;
    let next = now();
    const inflight = new Set<Promise<void>>();
    while (running) {
      next += interval;
      const k = backgroundCommands % 3;
      let p: Promise<{ status: number }>;
      if (k === 1 && received.length > 0) {
        const id = received.shift()!;
        p = client.send('POST', `/dossiers/${id}/transfer`, 'integrator', { toUnitId: centre, occurredAt: new Date().toISOString() }).then((a) => {
          if (a.status === 200) transferred.push(id);
          return a;
        });
      } else if (k === 2 && transferred.length > 0) {
        const id = transferred.shift()!;
        p = client.send('POST', `/dossiers/${id}/resolve`, 'integrator', { outcome: 'approved', occurredAt: new Date().toISOString() });
      } else {
        const id = `L${stamp}-${n++}`;
        p = receive(id).then((a) => {
          if (a.status === 201) received.push(id);
          return a;
        });
      }
      backgroundCommands++;
      const done: Promise<void> = p
        .then((a) => {
          if (a.status >= 300) backgroundFailures++;
        })
        .catch(() => {
          backgroundFailures++;
        })
        .finally(() => inflight.delete(done));
      inflight.add(done);
      const wait = next - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inflight);
  })();

  await new Promise((r) => setTimeout(r, 1000)); // the background settles first
  const lag: number[] = [];
  const fromSend: number[] = [];
  let timeouts = 0;
  for (let i = 0; i < o.probes; i++) {
    const sent = now();
    const answer = await receive(`P${stamp}-${i}`);
    const acked = now();
    if (answer.status !== 201) throw new Error(`probe answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    const pushed = await new Promise<SseMessage | undefined>((resolve) => {
      // Pushed before the acknowledgement was read: the lag counts as zero.
      if (latest !== undefined && Number(latest.id) >= answer.body.position) return resolve(latest);
      const timer = setTimeout(() => {
        const k = waiters.indexOf(waiter);
        if (k >= 0) waiters.splice(k, 1);
        resolve(undefined);
      }, 5000);
      const waiter = {
        position: answer.body.position,
        resolve: (m: SseMessage) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      waiters.push(waiter);
    });
    if (pushed === undefined) timeouts++;
    else {
      lag.push(Math.max(0, pushed.at - acked));
      fromSend.push(pushed.at - sent);
    }
    await new Promise((r) => setTimeout(r, rng.between(20, 120)));
  }
  running = false;
  const liveMs = now() - started;
  await background;
  for (const s of streams) s.close();
  return {
    liveLag: summarize(lag),
    liveLagFromSend: summarize(fromSend),
    liveProbeTimeouts: timeouts,
    backgroundCommands,
    backgroundPerSecond: Math.round((backgroundCommands * 1000) / liveMs),
    backgroundFailures,
    sseMessages,
  };
}
