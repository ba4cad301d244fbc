/**
 * The benchmark's province log written in bulk: the same workload (bench/workload.ts, every event
 * out of the decider, generated in a worker) as appending it through the store, but inserted
 * with the store's own schema and insert, 5,000 events per transaction, without the store's
 * per-append checks (the workload's streams are all new, their revisions known) nor a flush per
 * commit. The worker chains each event with the store's chainRows, so positions, revisions, ids,
 * data and metadata (recordedAt, hash) are what appends would store; only `created` (the commit
 * instant) differs, as between any two runs. No seals: the service seals at start, as after the
 * decider path. test/bench/bulk-log.spec.ts compares both paths.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { SCHEMA } from '../src/event-store/sqlite/sqlite-event-store.js';
import type { WorkloadOptions, WorkloadTally } from './workload.js';
import { generateRowsInWorker, ROW_FIELDS, type RowBatch } from './workload-worker.js';

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
  let events = 0;
  const write = db.transaction((rows: RowBatch, created: string) => {
    for (let i = 0; i < rows.length; i += ROW_FIELDS) {
      insert.run(rows[i] as string, rows[i + 1] as number, rows[i + 2] as string, rows[i + 3] as string, rows[i + 4] as string, rows[i + 5] as string, created);
    }
    return rows.length / ROW_FIELDS;
  });
  const batches = generateRowsInWorker(workload);
  let tally: WorkloadTally;
  try {
    for (;;) {
      const next = await batches.next();
      if (next.done) {
        tally = next.value;
        break;
      }
      events += write(next.value, new Date().toISOString());
      progress?.(events);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return { tally, events, ms: performance.now() - t0 };
}
