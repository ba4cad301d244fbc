/**
 * A full verification of the tamper-evident log (issue 26) over a synthetic province:
 *
 *   npm run build && node dist/bench/audit-verify.js --dossiers=100000 [--seal-every=1000] [--keep]
 *
 * Writes the events into an embedded store file with their hashes and seals as the service
 * would (same schema, chained by the adapters' own function), then verifies it through the
 * event-store port as GET /audit/verify does (in a worker thread on the embedded store), while
 * an HTTP probe (a /health-like route of this process, asked every 20 ms) and the event loop's
 * delay show what requests wait meanwhile; prints events/s.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GENESIS, sealHash, SEAL_EVENT, SEAL_STREAM } from '../src/audit/hash-chain.js';
import { verifyStore } from '../src/audit/verify-in-worker.js';
import { chainRows } from '../src/event-store/chained-rows.js';
import { SCHEMA, SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { syntheticLogPages } from './support/synthetic-history.js';
import { numberOption, textOption } from './options.js';
import { summarize } from './stats.js';

const DAY = 86_400_000;

function writeLog(file: string, dossiers: number, sealEvery: number): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT INTO events (position, stream_id, revision, event_id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const lastHash = new Map<string, string>();
  let position = 0;
  let sealed = GENESIS;
  let positions: number[] = [];
  let hashes: string[] = [];
  let sealedTo = 0;
  let seals = 0;
  const put = (streamId: string, revision: number, e: { id: string; type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }, created: string) => {
    const [row] = chainRows(streamId, revision - 1, lastHash.get(streamId), [e]);
    lastHash.set(streamId, row.hash);
    insert.run(++position, streamId, revision, row.id, row.type, row.data, row.metadata, created);
    positions.push(position);
    hashes.push(row.hash);
  };
  const units = Array.from({ length: 40 }, (_, i) => `U${i}`);
  const procedures = Array.from({ length: 30 }, (_, i) => `P${i}`);
  const pages = syntheticLogPages({ seed: 1, dossiers, unitIds: units, procedureCodes: procedures, start: Date.UTC(2025, 0, 1), spanMs: 365 * DAY }, 10_000);
  for (const page of pages) {
    db.transaction(() => {
      for (const e of page) {
        put(e.streamId, e.revision, e, e.created);
        if (position - sealedTo >= sealEvery) {
          const seal = { fromPosition: sealedTo + 1, toPosition: position, hash: (sealed = sealHash(sealed, positions, hashes)) };
          positions = [];
          hashes = [];
          put(SEAL_STREAM, seals++, { id: randomUUID(), type: SEAL_EVENT, data: seal, metadata: { actor: 'audit-sealer' } }, e.created);
          sealedTo = seal.toPosition;
        }
      }
    })();
  }
  db.close();
  return position;
}

/** A /health-like route of this process, asked every 20 ms until stopped: the latencies in ms. */
async function healthProbe(): Promise<{ stop(): Promise<ReturnType<typeof summarize>> }> {
  const server = createServer((_req, res) => res.end('{"status":"ok"}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => get({ port, host: '127.0.0.1', path: '/health', agent: false }, (res) => res.resume().on('end', resolve)));
      samples.push(performance.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      server.close();
      return summarize(samples);
    },
  };
}

async function main(): Promise<void> {
  const dossiers = numberOption('dossiers', 100_000);
  const sealEvery = numberOption('seal-every', 1000);
  const dir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'dossier-bench-audit-'));
  const file = join(dir, 'events.db');
  try {
    let t0 = performance.now();
    const events = writeLog(file, dossiers, sealEvery);
    process.stdout.write(`${dossiers.toLocaleString('en-US')} dossiers: ${events.toLocaleString('en-US')} events written with hashes and seals in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const store = SqliteEventStore.open({ file });
    const probe = await healthProbe();
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    t0 = performance.now();
    const cpu = process.cpuUsage();
    const result = await verifyStore(store, { gapless: true, pageSize: Number(textOption('page') ?? 1000) });
    const cpuSeconds = (() => { const u = process.cpuUsage(cpu); return (u.user + u.system) / 1e6; })();
    const seconds = (performance.now() - t0) / 1000;
    delay.disable();
    const latencies = await probe.stop();
    await store.close();
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    process.stdout.write(
      `verified=${result.verified} events=${result.events} seals=${result.seals} (${result.thread} thread) in ${seconds.toFixed(1)} s, ${cpuSeconds.toFixed(1)} s of CPU: ${Math.round(result.events / seconds).toLocaleString('en-US')} events/s; ` +
        `event-loop delay meanwhile p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, max ${ms(delay.max)} ms; ` +
        `health probe (${latencies.count}) p50 ${latencies.p50} ms, p99 ${latencies.p99} ms, max ${latencies.max} ms\n`,
    );
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`data kept in ${dir}\n`);
  }
}

void main();
