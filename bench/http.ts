/**
 * Commands over HTTP with a real load generator (autocannon, fixed connections, fixed duration)
 * against the real service in a process of its own, beside a bare Fastify route served the same
 * way. Rounds alternate between the two servers so that noise falls on both alike.
 */
import autocannon, { type Request, type Result } from 'autocannon';
import { DEMO_PROCEDURES, DEMO_UNITS } from '../src/catalog/seed/demo-province.js';
import { type RunningServer, startServer } from './child.js';
import { bearer } from './keys.js';
import { round } from './stats.js';

export interface HttpRun {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU time of the server process per answered request (less sensitive to other load than throughput). */
  cpuUsPerRequest: number;
  /** The service's flushes of its log to disk during the run (its /metrics histogram): p99 as a bucket's bound, and the share over 25 ms. */
  logFlush?: { count: number; p99Ms: number | null; over25MsShare: number };
  /** How late the service's event loop ran its timers during the run (prom-client's monitor, reset at each scrape): how long its thread was held. */
  loopDelay?: { p99Ms: number; maxMs: number };
}

export interface HttpFigures {
  connections: number;
  durationS: number;
  rounds: number;
  /** POST /dossiers (receive), unique ids, 2xx per second over all rounds. */
  httpCommandsPerSecond: number;
  httpP50Ms: number;
  httpP99Ms: number;
  /** The bare Fastify route, same autocannon settings. */
  httpBaselinePerSecond: number;
  baselineP50Ms: number;
  baselineP99Ms: number;
  ratio: number;
  /** Server CPU time per command and per bare request, and their ratio (bare / app): the throughput ratio on an otherwise idle core. */
  appCpuUsPerCommand: number;
  bareCpuUsPerRequest: number;
  cpuRatio: number;
  /** Receive, transfer, resolve in turn on each connection (a third each). */
  mixCommandsPerSecond: number;
  mixP50Ms: number;
  mixP99Ms: number;
  perRound: { app: HttpRun; bare: HttpRun; mix: HttpRun }[];
  appPeakRssMb: number;
  appStartupMs: number;
  /** The app runs' log flushes (fsync): the largest bucket bound holding 99% of them, and the share over 25 ms (mean of the rounds). */
  logFlushP99Ms: number | null;
  logFlushOver25MsShare: number;
}

export interface HttpOptions {
  dir: string;
  durationS: number;
  warmupS: number;
  connections: number;
  rounds: number;
  /** CPU-profile the service during the run (files in this folder). */
  profileDir?: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Receive requests with unique ids (and, for the mix, transfer and resolve of the same dossier). */
export function commandRequests(tag: string, mix: boolean): Request[] {
  let counter = 0;
  const headers = { ...JSON_HEADERS, authorization: bearer('integrator') };
  const base = Date.now() - 10 * 60_000;
  const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
  const receivers = DEMO_UNITS.filter((u) => u.level !== 'province').map((u) => u.unitId);
  const receive: Request = {
    method: 'POST',
    path: '/dossiers',
    headers,
    setupRequest: (request, context) => {
      const n = counter++;
      const unitId = receivers[n % receivers.length];
      context.id = `${tag}-${n}`;
      context.unitId = unitId;
      request.body = JSON.stringify({
        dossierId: context.id,
        procedureCode: DEMO_PROCEDURES[n % DEMO_PROCEDURES.length].code,
        unitId,
        channel: n % 2 === 0 ? 'online' : 'direct',
        receivedAt: at(0),
      });
      return request;
    },
  };
  if (!mix) return [receive];
  return [
    receive,
    {
      method: 'POST',
      headers,
      setupRequest: (request, context) => {
        const index = receivers.indexOf(context.unitId as string);
        request.path = `/dossiers/${context.id as string}/transfer`;
        request.body = JSON.stringify({ toUnitId: receivers[(index + 1) % receivers.length], allottedWorkingHours: 8, occurredAt: at(1) });
        return request;
      },
    },
    {
      method: 'POST',
      headers,
      setupRequest: (request, context) => {
        request.path = `/dossiers/${context.id as string}/resolve`;
        request.body = JSON.stringify({ outcome: 'approved', occurredAt: at(2) });
        return request;
      },
    },
  ];
}

/** The service's log-flush histogram (cumulative counts by upper bound, ms) and its event loop's delay since the last scrape, from /metrics. */
async function serviceMetrics(server: RunningServer): Promise<{ buckets: Map<number, number>; loopDelay: NonNullable<HttpRun['loopDelay']> }> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: bearer('auditor') } });
  const text = await res.text();
  const buckets = new Map<number, number>();
  for (const [, le, n] of text.matchAll(/^event_log_flush_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) buckets.set(le === '+Inf' ? Infinity : Number(le) * 1000, Number(n));
  const lag = (name: string) => round(Number(new RegExp(`^nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000, 1);
  return { buckets, loopDelay: { p99Ms: lag('p99'), maxMs: lag('max') } };
}

function flushFigures(before: Map<number, number>, after: Map<number, number>): NonNullable<HttpRun['logFlush']> {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const at = (le: number) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const count = at(Infinity);
  const p99 = bounds.find((le) => at(le) >= 0.99 * count);
  return { count, p99Ms: count === 0 || p99 === undefined || p99 === Infinity ? null : p99, over25MsShare: count === 0 ? 0 : round(1 - at(25) / count, 4) };
}

async function cannon(server: RunningServer, requests: Request[], connections: number, duration: number, flushes = false): Promise<HttpRun> {
  const cpu0 = await server.cpuUs();
  const metrics0 = flushes ? await serviceMetrics(server) : undefined;
  const result: Result = await autocannon({ url: server.url, connections, duration, requests, timeout: 30 });
  const cpu = (await server.cpuUs()) - cpu0;
  const metrics = metrics0 === undefined ? undefined : await serviceMetrics(server);
  return {
    ...(metrics === undefined ? {} : { logFlush: flushFigures(metrics0!.buckets, metrics.buckets), loopDelay: metrics.loopDelay }),
    requestsPerSecond: Math.round(result['2xx'] / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuUsPerRequest: Math.round(cpu / Math.max(1, result['2xx'] + result.non2xx)),
  };
}

export async function measureHttp(o: HttpOptions, log: (line: string) => void): Promise<HttpFigures> {
  const servers: RunningServer[] = [];
  try {
    const app = await startServer('app', o.dir, { demo: true, profileDir: o.profileDir });
    servers.push(app);
    const bare = await startServer('bare', undefined);
    servers.push(bare);
    const stamp = Date.now().toString(36);
    // Warm-up (JIT, connection set-up, store file growth), not counted.
    await cannon(bare, commandRequests(`w${stamp}`, false), o.connections, o.warmupS);
    await cannon(app, commandRequests(`w${stamp}`, false), o.connections, o.warmupS);
    const perRound: HttpFigures['perRound'] = [];
    for (let r = 0; r < o.rounds; r++) {
      const bareRun = await cannon(bare, commandRequests(`b${stamp}${r}`, false), o.connections, o.durationS);
      const appRun = await cannon(app, commandRequests(`r${stamp}${r}`, false), o.connections, o.durationS, true);
      const mixRun = await cannon(app, commandRequests(`m${stamp}${r}`, true), o.connections, o.durationS);
      perRound.push({ app: appRun, bare: bareRun, mix: mixRun });
      log(
        `  http round ${r + 1}/${o.rounds}: app ${appRun.requestsPerSecond}/s (p99 ${appRun.p99Ms} ms, non-2xx ${appRun.non2xx}), ` +
          `bare ${bareRun.requestsPerSecond}/s, mix ${mixRun.requestsPerSecond}/s (non-2xx ${mixRun.non2xx}); ` +
          `server CPU per request: app ${appRun.cpuUsPerRequest} us, bare ${bareRun.cpuUsPerRequest} us, mix ${mixRun.cpuUsPerRequest} us; ` +
          `log flushes ${appRun.logFlush?.count}, p99 <= ${appRun.logFlush?.p99Ms} ms, ${round((appRun.logFlush?.over25MsShare ?? 0) * 100, 2)}% over 25 ms; ` +
          `event loop delay p99 ${appRun.loopDelay?.p99Ms} ms, max ${appRun.loopDelay?.maxMs} ms`,
      );
    }
    const stopped = await app.stop();
    servers.splice(servers.indexOf(app), 1);
    const mean = (f: (x: (typeof perRound)[number]) => number) => perRound.reduce((s, x) => s + f(x), 0) / perRound.length;
    const max = (f: (x: (typeof perRound)[number]) => number) => Math.max(...perRound.map(f));
    const httpCommandsPerSecond = Math.round(mean((x) => x.app.requestsPerSecond));
    const httpBaselinePerSecond = Math.round(mean((x) => x.bare.requestsPerSecond));
    return {
      connections: o.connections,
      durationS: o.durationS,
      rounds: o.rounds,
      httpCommandsPerSecond,
      httpP50Ms: round(mean((x) => x.app.p50Ms), 2),
      httpP99Ms: max((x) => x.app.p99Ms),
      httpBaselinePerSecond,
      baselineP50Ms: round(mean((x) => x.bare.p50Ms), 2),
      baselineP99Ms: max((x) => x.bare.p99Ms),
      ratio: round(httpCommandsPerSecond / httpBaselinePerSecond, 3),
      appCpuUsPerCommand: Math.round(mean((x) => x.app.cpuUsPerRequest)),
      bareCpuUsPerRequest: Math.round(mean((x) => x.bare.cpuUsPerRequest)),
      cpuRatio: round(mean((x) => x.bare.cpuUsPerRequest) / mean((x) => x.app.cpuUsPerRequest), 3),
      mixCommandsPerSecond: Math.round(mean((x) => x.mix.requestsPerSecond)),
      mixP50Ms: round(mean((x) => x.mix.p50Ms), 2),
      mixP99Ms: max((x) => x.mix.p99Ms),
      perRound,
      appPeakRssMb: stopped.peakRssMb,
      logFlushP99Ms: Math.max(...perRound.map((x) => x.app.logFlush?.p99Ms ?? 0)) || null,
      logFlushOver25MsShare: round(mean((x) => x.app.logFlush?.over25MsShare ?? 0), 4),
      appStartupMs: app.startupMs,
    };
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
  }
}
