/**
 * Live streams under load (issue 21, finding 4): N idle `groupBy=child` streams of the province's
 * report, all of one key, held open against the built service (demo province, in a process of its
 * own); then M receives posted one after another. Prints, per round, the server's CPU from the
 * first receive until every stream has been sent the last one, the receives' p50 / p95, how long
 * the last push took to reach every stream, and the server's peak RSS (a line of its own, at stop).
 *
 *   npm run build && node dist/bench/live-streams.js [--streams=1000] [--receives=100] [--rounds=2] [--baseline=DIR]
 *
 * `--baseline=DIR`: the dist folder of another build (e.g. the commit before a change, built with
 * `tsc -p tsconfig.build.json` in a copy of it); its server is measured too, alternately with this
 * one's, so that both see the same machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PROCEDURES, DEMO_UNITS } from '../src/catalog/seed/demo-province.js';
import { startServer } from './child.js';
import { Client, openSse } from './client.js';
import { numberOption as option, textOption } from './options.js';
import { percentile, round } from './stats.js';

const streams = option('streams', 1000);
const receives = option('receives', 100);
const rounds = option('rounds', 2);
const baseline = textOption('baseline');
const STREAM_PATH = '/units/PROVINCE/timeliness/live?groupBy=child';

// This build's limits would refuse most of the streams of one key; raise them for the measurement.
process.env.LIVE_STREAMS_PER_KEY = String(streams);
process.env.LIVE_STREAMS_MAX = String(streams);

interface Build {
  name: string;
  serverScript?: string;
}

const builds: Build[] = [{ name: 'this' }, ...(baseline ? [{ name: 'baseline', serverScript: join(baseline, 'bench/server.js') }] : [])];

async function measure(build: Build) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-live-'));
  const server = await startServer('app', dir, { demo: true, serverScript: build.serverScript });
  const client = new Client(server.url);
  // Each stream's last event id (the read models' position it was computed at).
  const lastId = new Array<number>(streams).fill(-1);
  const open: { close(): void }[] = [];
  try {
    for (let i = 0; i < streams; i += 50) {
      const batch = Array.from({ length: Math.min(50, streams - i) }, (_, k) =>
        openSse(server.url, STREAM_PATH, 'supervisor', (m) => (lastId[i + k] = Number(m.id))),
      );
      open.push(...(await Promise.all(batch)));
    }
    await waitUntil(() => lastId.every((id) => id >= 0), 30_000);
    await new Promise((r) => setTimeout(r, 500));

    const receivers = DEMO_UNITS.filter((u) => u.level !== 'province').map((u) => u.unitId);
    const receivedAt = new Date(Date.now() - 10 * 60_000).toISOString();
    const latencies: number[] = [];
    const cpu0 = await server.cpuUs();
    let position = 0;
    for (let n = 0; n < receives; n++) {
      const answer = await client.send<{ position: number }>('POST', '/dossiers', 'integrator', {
        dossierId: `LIVE-${n}`,
        procedureCode: DEMO_PROCEDURES[n % DEMO_PROCEDURES.length].code,
        unitId: receivers[n % receivers.length],
        channel: 'online',
        receivedAt,
      });
      if (answer.status !== 201) throw new Error(`receive answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      latencies.push(answer.ms);
      position = answer.body.position;
    }
    const lastAnswered = performance.now();
    await waitUntil(() => lastId.every((id) => id >= position), 60_000);
    const lastPushMs = performance.now() - lastAnswered;
    const cpuS = ((await server.cpuUs()) - cpu0) / 1e6;
    return {
      build: build.name,
      streams,
      receives,
      cpuS: round(cpuS, 3),
      receiveP50Ms: round(percentile(latencies, 50)!, 1),
      receiveP95Ms: round(percentile(latencies, 95)!, 1),
      lastPushToAllMs: round(lastPushMs, 0),
    };
  } finally {
    open.forEach((s) => s.close());
    client.close();
    process.stdout.write(JSON.stringify({ build: build.name, peakRssMb: (await server.stop()).peakRssMb }) + '\n');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function main(): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? builds : [...builds].reverse();
    for (const build of order) {
      process.stdout.write(JSON.stringify({ round: r + 1, ...(await measure(build)) }) + '\n');
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
