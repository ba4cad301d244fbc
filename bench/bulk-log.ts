/**
 * The benchmark's province log written in bulk: the same workload (bench/workload.ts, every event
 * out of the decider, generated in a worker) as appending it through the store, but inserted
 * with the store's own schema and insert, many thousand events per transaction, without the
 * store's per-append checks (the workload's streams are new, their revisions known) nor a flush
 * per commit. Each event is chained with the store's chainRows, so positions, revisions, ids,
 * data and metadata (recordedAt, hash) are what appends would store; only `created` (the commit
 * instant) differs, as between any two runs. No seals: the service seals at start, as after the
 * decider path. bench/bulk-log.spec.ts compares both paths.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { chainRows } from '../src/event-store/chained-rows.js';
import { SCHEMA } from '../src/event-store/sqlite/sqlite-event-store.js';
import type { WorkloadOptions, WorkloadTally } from './workload.js';
import { generateInWorker } from './workload-worker.js';

export interface BulkLog {
  tally: WorkloadTally;
  events: number;
  ms: number;
}

/** Writes the workload's log into `file`, which must not exist yet. */
export async function writeLogInBulk(file: string, workload: WorkloadOptions, progress?: (events: number) => void): Promise<BulkLog> {
  if (existsSync(file)) throw new Error(`${file} exists: the bulk writer only creates a log`);
  const t0 = performance.now();
  const db = new Database(file);
  // Durability is not needed while the file is being made: the WAL is checkpointed at the end.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  db.exec(SCHEMA);
  const insert = db.prepare<[string, number, string, string, string, string, string]>(
    'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  // The revision and hash of each stream still being written (a dossier's is dropped at its last event).
  const heads = new Map<string, { revision: number; hash: string }>();
  let events = 0;
  const write = db.transaction((batch: Parameters<typeof chainBatch>[0]) => chainBatch(batch, heads, insert, new Date().toISOString()));
  const batches = generateInWorker(workload);
  let tally: WorkloadTally;
  try {
    for (;;) {
      const next = await batches.next();
      if (next.done) {
        tally = next.value;
        break;
      }
      events += write(next.value);
      progress?.(events);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return { tally, events, ms: performance.now() - t0 };
}

type Insert = Database.Statement<[string, number, string, string, string, string, string]>;

function chainBatch(
  batch: readonly { streamId: string; events: Parameters<typeof chainRows>[3]; expectedRevision: unknown; last?: true }[],
  heads: Map<string, { revision: number; hash: string }>,
  insert: Insert,
  created: string,
): number {
  let n = 0;
  for (const a of batch) {
    const head = heads.get(a.streamId);
    const current = head?.revision ?? -1;
    // What the store's expected-revision check would refuse (a workload bug), refused here too.
    const expected = a.expectedRevision === 'no_stream' ? -1 : a.expectedRevision;
    if (typeof expected === 'number' ? expected !== current : head !== undefined) throw new Error(`bulk log: ${a.streamId} expected ${String(a.expectedRevision)}, at ${current}`);
    const rows = chainRows(a.streamId, current, head?.hash, a.events);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      insert.run(a.streamId, current + 1 + i, r.id, r.type, r.data, r.metadata, created);
    }
    n += rows.length;
    if (a.last) heads.delete(a.streamId);
    else if (rows.length > 0) heads.set(a.streamId, { revision: current + rows.length, hash: rows[rows.length - 1].hash });
  }
  return n;
}
