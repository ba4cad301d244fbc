/**
 * Manual measurement through the real embedded store (not a test):
 *   node --import ./test/support/register-ts.mjs test/projections/measure-store.ts [dossiers=100000]
 * REBUILD_WORKER=always|never|auto (default auto) chooses where the rebuild writes (rebuild-writer.ts).
 * 1. appends a synthetic log to a SQLite event store;
 * 2. rebuild: Projector.rebuild() replays the log from position 0 into fresh read models (events/s);
 * 3. live lag: appends dossier events at ~500/s while the projector follows, and reports the time
 *    from an append's acknowledgement to the read models (and the report index) including it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { Projector } from '../../src/projections/projector.js';
import type { WorkerMode } from '../../src/common/worker-channel.js';
import { syntheticLog, syntheticLogPages } from '../../bench/support/synthetic-history.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';

const dossiers = Number(process.argv[2] ?? 100_000);
const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00+07:00');
const units = Array.from({ length: 1000 }, (_, i) => `U${i}`);
const procedures = Array.from({ length: 100 }, (_, i) => `P${i}`);
const dir = mkdtempSync(join(tmpdir(), 'measure-store-'));

const store = SqliteEventStore.open({ file: join(dir, 'events.db'), synchronous: 'normal' });
try {
  let t = performance.now();
  let events = 0;
  for (const page of syntheticLogPages({ seed: 1, dossiers, unitIds: units, procedureCodes: procedures, start: START, spanMs: 365 * DAY }, 5000)) {
    await Promise.all(page.map((e) => store.append(e.streamId, [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }], 'any')));
    events += page.length;
  }
  console.log(JSON.stringify({ appended: events, appendMs: Math.round(performance.now() - t) }));

  const workerMode = (process.env.REBUILD_WORKER ?? 'auto') as WorkerMode;
  const projector = new Projector(store, loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), workerMode);
  t = performance.now();
  projector.onModuleInit();
  await projector.whenCaughtUp();
  console.log(JSON.stringify({ liveCatchUpFromZero: events, ms: Math.round(performance.now() - t), eventsPerSecond: Math.round(events / ((performance.now() - t) / 1000)) }));

  const rebuilt = await projector.rebuild();
  console.log(JSON.stringify({ rebuild: rebuilt }));

  // Live lag.
  const lags: number[] = [];
  const pending = new Map<number, number>();
  const sub = projector.changes$.subscribe((c) => {
    const now = performance.now();
    for (const [position, at] of pending) if (position <= c.checkpoint) (lags.push(now - at), pending.delete(position));
  });
  const live = syntheticLog({ seed: 2, dossiers: 2000, unitIds: units, procedureCodes: procedures, start: START + 366 * DAY, spanMs: 30 * DAY, idPrefix: 'live' });
  for (const e of live.slice(0, 5000)) {
    const r = await store.append(e.streamId, [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }], 'any');
    pending.set(r.position, performance.now());
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  sub.unsubscribe();
  lags.sort((a, b) => a - b);
  const pct = (p: number) => +lags[Math.min(lags.length - 1, Math.floor(lags.length * p))].toFixed(2);
  console.log(JSON.stringify({ liveLagMs: { samples: lags.length, p50: pct(0.5), p99: pct(0.99), max: pct(1) } }));
  await projector.beforeApplicationShutdown();
  projector.onApplicationShutdown();
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
