/**
 * Reads of one dossier's stream, as a command other than a reception makes them (the stream read,
 * folded, decided on): `SqliteEventStore.readStream` over a log of `--streams` dossiers, and the
 * same SELECT run directly with its row limit written two ways, `LIMIT ?` and `LIMIT +?`
 * (sqlite-event-store.ts, RUNTIME_LIMIT: SQLite plans a statement again for each new value bound
 * to a plain `LIMIT ?`).
 *
 *   npm run build && node dist/bench/stream-reads.js [--streams=100000] [--reads=2000] [--rounds=3]
 *
 * Prints one JSON line per round: microseconds per read for each.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUNTIME_LIMIT, SELECT_STREAM_FORWARDS, SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { sampleEvent } from './appends.js';
import { numberOption as option } from './options.js';
import { Rng } from '../src/catalog/seed/rng.js';
import { round } from './stats.js';

const streams = option('streams', 100_000);
const reads = option('reads', 2000);
const rounds = option('rounds', 3);

const dir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'dossier-stream-reads-'));
const file = join(dir, 'events.db');
// A DossierReceived with its metadata, as the append benchmark writes it.
const rng = new Rng(7);
let written = 0;
const event = () => sampleEvent(rng, written++);

// Shared: the raw connection below reads the file beside the store (which otherwise holds it for itself).
const store = SqliteEventStore.open({ file, synchronous: 'normal', locking: 'shared' });
try {
  for (let n = 0; n < streams; n += 500) {
    await Promise.all(Array.from({ length: Math.min(500, streams - n) }, (_, i) => store.append(`dossier-${randomUUID()}-${n + i}`, [event()], 'no_stream')));
  }
  // The streams read: written last (as a command follows its dossier's reception), two events each.
  const ids = Array.from({ length: reads }, (_, i) => `dossier-read-${i}`);
  for (const id of ids) await store.append(id, [event(), event()], 'no_stream');

  const db = new Database(file, { readonly: true });
  // The store's own statement, with its row limit bound plainly and as the store writes it.
  const plain = db.prepare(`${SELECT_STREAM_FORWARDS} LIMIT ?`).raw(true);
  const runtime = db.prepare(`${SELECT_STREAM_FORWARDS} ${RUNTIME_LIMIT}`).raw(true);
  const perRead = (started: bigint) => round(Number(process.hrtime.bigint() - started) / 1000 / ids.length, 2);

  for (let r = 1; r <= rounds; r++) {
    let started = process.hrtime.bigint();
    for (const id of ids) await store.readStream(id);
    const readStreamUs = perRead(started);
    started = process.hrtime.bigint();
    for (const id of ids) plain.all(id, 0, Number.MAX_SAFE_INTEGER);
    const limitBoundUs = perRead(started);
    started = process.hrtime.bigint();
    for (const id of ids) runtime.all(id, 0, Number.MAX_SAFE_INTEGER);
    const limitAtRunTimeUs = perRead(started);
    console.log(JSON.stringify({ round: r, readStreamUs, selectWithLimitBoundUs: limitBoundUs, selectWithLimitAtRunTimeUs: limitAtRunTimeUs }));
  }
  db.close();
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
