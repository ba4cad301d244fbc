/**
 * A server in a process of its own, driven by the benchmark over IPC, so that the load generator
 * and the server never share a core's event loop.
 *
 *   node dist/bench/server.js app <dataDir> [--demo]   the real service (createApp), keys written first
 *   node dist/bench/server.js bare                     a bare Fastify app: one POST route, JSON in, 201 out
 *
 * Sends { ready, port, startupMs } once listening; answers { cmd: 'cpu' } with its CPU time so
 * far; on { cmd: 'stop' } closes, answers { stopped, peakRssMb, cpuUserMs, cpuSystemMs } and exits.
 */
import type { AddressInfo } from 'node:net';
import { peakRssMb } from './stats.js';
import { writeKeyFile } from './keys.js';

export interface ServerReady {
  ready: true;
  port: number;
  startupMs: number;
  rssMb: number;
}

/** CPU time (user + system) the server process has used so far, in microseconds. */
export interface ServerCpu {
  cpuUs: number;
}

export interface ServerStopped {
  stopped: true;
  peakRssMb: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

async function main(): Promise<void> {
  const [kind, dataDir] = process.argv.slice(2);
  const t0 = performance.now();
  let close: () => Promise<void>;
  let port: number;
  if (kind === 'app') {
    writeKeyFile(dataDir);
    const { createApp } = await import('../src/app.js');
    const { loadConfig } = await import('../src/config.js');
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
      // The benchmark is one client with one key: the per-key limit would answer 429.
      RATE_LIMIT_PER_MINUTE: '0',
      SEED_DEMO: process.argv.includes('--demo') ? 'true' : 'false',
      // The demo units and procedures only: the benchmark writes its own dossiers (figures comparable with earlier runs).
      SEED_DEMO_HISTORY: 'false',
      HOST: '127.0.0.1',
      PORT: '0',
      // bench/live-streams.ts holds more streams of one key than the default limits allow.
      LIVE_STREAMS_PER_KEY: process.env.LIVE_STREAMS_PER_KEY,
      LIVE_STREAMS_MAX: process.env.LIVE_STREAMS_MAX,
      // bench/import-compare.ts compares two services' reports: no overdue marks appended meanwhile.
      OVERDUE_WATCHER: process.env.OVERDUE_WATCHER,
      AS_OF_CONCURRENCY: process.env.AS_OF_CONCURRENCY,
    });
    const app = await createApp(config);
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
    close = () => app.close();
  } else if (kind === 'bare') {
    const { default: fastify } = await import('fastify');
    const app = fastify({ logger: false, bodyLimit: 65536 });
    app.post('/dossiers', async (request, reply) => {
      const body = request.body as { dossierId?: string };
      return reply.code(201).send({ dossierId: body.dossierId, status: 'received' });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    close = () => app.close();
  } else {
    throw new Error(`unknown server kind ${kind}`);
  }
  const ready: ServerReady = { ready: true, port, startupMs: Math.round(performance.now() - t0), rssMb: Math.round(process.memoryUsage().rss / 1048576) };
  process.send!(ready);
  process.on('message', (message: { cmd?: string }) => {
    if (message.cmd === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!({ cpuUs: user + system } satisfies ServerCpu);
      return;
    }
    if (message.cmd !== 'stop') return;
    void close().then(() => {
      const usage = process.resourceUsage();
      const stopped: ServerStopped = { stopped: true, peakRssMb: peakRssMb(), cpuUserMs: Math.round(usage.userCPUTime / 1000), cpuSystemMs: Math.round(usage.systemCPUTime / 1000) };
      process.send!(stopped, () => process.exit(0));
    });
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
