import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** The log's table and index (exported so that the benchmark's raw inserts use the very same schema). */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position  INTEGER PRIMARY KEY,
  stream_id TEXT    NOT NULL,
  revision  INTEGER NOT NULL,
  event_id  TEXT    NOT NULL,
  type      TEXT    NOT NULL,
  data      TEXT    NOT NULL,
  metadata  TEXT    NOT NULL,
  created   TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events (stream_id, revision);
-- Written and emptied in one commit while appends fail, to learn when the disk takes writes again.
CREATE TABLE IF NOT EXISTS append_probe (id INTEGER PRIMARY KEY, filler BLOB NOT NULL);
`;

/**
 * Files written by earlier versions had two more structures, each costing a random-order B-tree
 * write per append: an index on event_id (a stream's own few rows answer the duplicate check) and
 * a `streams` table of current revisions (the unique index answers max(revision) as fast).
 */
const MIGRATE = `
DROP INDEX IF EXISTS events_event_id;
DROP TABLE IF EXISTS streams;
`;

/** Page cache of the connection (negative: KiB). The default 2 MiB thrashes once the indexes outgrow it. */
const CACHE_KIB = 32 * 1024;

/** Holds the file for this connection from now on (SQLite takes it at a write otherwise). */
export function holdFile(db: Database.Database): void {
  db.pragma('locking_mode = EXCLUSIVE');
  db.exec('BEGIN IMMEDIATE; COMMIT');
}

/**
 * Opens (or creates) the log's file in WAL mode with the current schema; `exclusive`: whether the
 * connection holds the file for itself (see SqliteEventStoreOptions.locking).
 */
export function openLogFile(file: string, locking: 'exclusive' | 'shared' | undefined): { db: Database.Database; exclusive: boolean } {
  const inMemory = file === ':memory:';
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  // Waits up to 5 s for a file another connection holds (a service still closing, say).
  const db = new Database(file, { timeout: 5000 });
  const exclusive = locking !== 'shared' && !inMemory;
  try {
    // WAL is entered in SQLite's normal locking mode, so that the mode can be switched back and
    // forth afterwards (a rebuild's log reader, see SqliteReads.share).
    db.pragma('journal_mode = WAL');
    // `full` is kept by flushing the log after each commit (see SqliteEventStore).
    db.pragma('synchronous = NORMAL');
    db.pragma(`cache_size = -${CACHE_KIB}`);
    db.exec(SCHEMA);
    db.exec(MIGRATE);
    if (exclusive) holdFile(db);
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(`${file} is in use by another process: the embedded event store holds its file for itself while open (one service per DATA_DIR)`);
    }
    throw error;
  }
  return { db, exclusive };
}
