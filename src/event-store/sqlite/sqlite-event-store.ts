import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  LoggedEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
  SubscriptionHandler,
} from '../event-store.port.js';
import { EventStoreClosedError, WrongExpectedRevisionError } from '../errors.js';
import { SqliteSubscription } from './sqlite-subscription.js';

export interface SqliteEventStoreOptions {
  /** Database file; its folder is created when missing. */
  file: string;
  /** `full` (default): an acknowledged append survives a power cut. `normal`: faster, may lose the last commits. */
  synchronous?: 'full' | 'normal';
}

interface PendingAppend {
  streamId: string;
  events: EventToAppend[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** An append that passed its checks: its events serialised, and the stream's revision before it. */
interface CheckedAppend {
  current: number | undefined;
  rows: { id: string; type: string; data: string; metadata: string }[];
}

/**
 * A stored event as read: position, stream id, revision, event id, type, the body, created.
 * Rows come as arrays (better-sqlite3's raw mode: no object per row), and data and metadata as
 * one JSON text `{"d":<data>,"m":<metadata>}` concatenated by SQLite, so that each event costs
 * one JSON.parse instead of two: together about 25% faster reads of the log (rebuilds, catch-up).
 */
type EventTuple = [position: number, streamId: string, revision: number, eventId: string, type: string, body: string, created: string];

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

/** A log row for a replay: position, stream id, revision, type, data (see LoggedEvent). */
type DataTuple = [position: number, streamId: string, revision: number, type: string, data: string];

const SELECT_EVENTS = `SELECT position, stream_id, revision, event_id, type, '{"d":' || data || ',"m":' || metadata || '}', created FROM events`;

/**
 * Embedded event store on one SQLite file in WAL mode, with a single writer.
 *
 * Appends that arrive in the same turn of the event loop are written in one transaction and
 * one fsync (group commit). Each append is checked (expected revision, duplicates) and
 * serialised before it writes anything, so one append's conflict or bad payload fails it alone
 * and never its neighbours; a write error fails the whole batch. A promise resolves only after
 * the commit, so an acknowledged append is on disk (with `synchronous=full`). Positions are
 * SQLite rowids assigned as max+1 inside the single writer, so the global log has no gaps.
 */
export class SqliteEventStore implements EventStore {
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly appended = new EventEmitter();
  private readonly subscriptions = new Set<SqliteSubscription>();
  private readonly stmt;
  private readonly flushBatch: Database.Transaction<(batch: PendingAppend[]) => (AppendResult | Error)[]>;

  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    const db = new Database(options.file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('busy_timeout = 5000');
    db.pragma(`cache_size = -${CACHE_KIB}`);
    db.exec(SCHEMA);
    db.exec(MIGRATE);
    return new SqliteEventStore(db);
  }

  private constructor(private readonly db: Database.Database) {
    this.appended.setMaxListeners(0);
    this.stmt = {
      streamRevision: db.prepare<[string], { revision: number | null }>('SELECT max(revision) AS revision FROM events WHERE stream_id = ?'),
      streamIds: db.prepare<[string], { event_id: string; revision: number; position: number }>(
        'SELECT event_id, revision, position FROM events WHERE stream_id = ? ORDER BY revision',
      ),
      insert: db.prepare<[string, number, string, string, string, string, string]>(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      forwards: db
        .prepare<[string, number, number], EventTuple>(`${SELECT_EVENTS} WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`)
        .raw(true),
      backwards: db
        .prepare<[string, number, number], EventTuple>(`${SELECT_EVENTS} WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`)
        .raw(true),
      all: db.prepare<[number, number], EventTuple>(`${SELECT_EVENTS} WHERE position > ? ORDER BY position LIMIT ?`).raw(true),
      allData: db
        .prepare<[number, number], DataTuple>('SELECT position, stream_id, revision, type, data FROM events WHERE position > ? ORDER BY position LIMIT ?')
        .raw(true),
      head: db.prepare<[], { head: number | null }>('SELECT max(position) AS head FROM events'),
    };
    this.flushBatch = db.transaction((batch: PendingAppend[]) => {
      const created = new Date().toISOString();
      return batch.map((p) => {
        let checked: CheckedAppend | AppendResult;
        try {
          checked = this.check(p);
        } catch (error) {
          return error as Error; // this append only: nothing of it was written
        }
        // A write error (I/O, disk full) escapes: the transaction rolls back and the whole batch fails.
        return 'rows' in checked ? this.write(p, checked, created) : checked;
      });
    });
  }

  append(streamId: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreClosedError());
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, events, expected: expectedRevision, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let results: (AppendResult | Error)[];
    try {
      results = this.flushBatch.immediate(batch);
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the batch is stored.
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i];
      if (r instanceof Error) p.reject(r);
      else p.resolve(r);
    });
    this.appended.emit('appended');
  }

  /**
   * Everything that may refuse an append, before it writes: the duplicate check (whose answer is
   * the original result), the expected revision, and the events' serialisation. Returns the
   * original result of a repeated append, or the rows to write.
   */
  private check(p: PendingAppend): CheckedAppend | AppendResult {
    const current = this.stmt.streamRevision.get(p.streamId)?.revision ?? undefined;
    const duplicate = this.findDuplicate(p, current);
    if (duplicate) return duplicate;
    checkExpected(p.streamId, p.expected, current);
    const rows = p.events.map((e) => ({ id: e.id, type: e.type, data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata ?? {}) }));
    return { current, rows };
  }

  private write(p: PendingAppend, { current, rows }: CheckedAppend, created: string): AppendResult {
    let revision = current ?? -1;
    const out: AppendResult['events'] = [];
    for (const row of rows) {
      revision += 1;
      const info = this.stmt.insert.run(p.streamId, revision, row.id, row.type, row.data, row.metadata, created);
      out.push({ id: row.id, revision, position: Number(info.lastInsertRowid) });
    }
    const position = out.length > 0 ? out[out.length - 1].position : (this.stmt.head.get()?.head ?? 0);
    return { nextExpectedRevision: revision, position, events: out };
  }

  /** EventStoreDB's idempotence: the same event ids appended again return the first result. */
  private findDuplicate(p: PendingAppend, current: number | undefined): AppendResult | undefined {
    if (current === undefined || p.events.length === 0) return undefined;
    // One read of the stream's own ids (a dossier stream holds a handful) instead of an index on every id.
    const stored = new Map<string, { revision: number; position: number }>();
    for (const row of this.stmt.streamIds.all(p.streamId)) if (!stored.has(row.event_id)) stored.set(row.event_id, row);
    const found = p.events.map((e) => stored.get(e.id));
    if (found.every((f) => f === undefined)) return undefined;
    const consecutive = found.every((f, i) => f !== undefined && f.revision === found[0]!.revision + i);
    if (!consecutive) throw new WrongExpectedRevisionError(p.streamId, p.expected, current);
    const events = found.map((f, i) => ({ id: p.events[i].id, revision: f!.revision, position: f!.position }));
    const last = events[events.length - 1];
    return { nextExpectedRevision: last.revision, position: last.position, events };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const from = options.fromRevision;
    const rows =
      options.direction === 'backwards'
        ? this.stmt.backwards.all(streamId, from === undefined || from === 'end' ? Number.MAX_SAFE_INTEGER : from === 'start' ? 0 : from, max)
        : this.stmt.forwards.all(streamId, from === undefined || from === 'start' ? 0 : from === 'end' ? Number.MAX_SAFE_INTEGER : from, max);
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.readAllSync(options.afterPosition ?? 0, options.maxCount ?? Number.MAX_SAFE_INTEGER, options.streamPrefixes).events;
  }

  /**
   * Reads up to `maxCount` matching events after `after`. `scannedTo` is the position up to which
   * the log was examined, so that a filtered reader does not scan the same rows again.
   */
  readAllSync(after: number, maxCount: number, prefixes?: string[]): { events: RecordedEvent[]; scannedTo: number } {
    return this.scan(this.stmt.all, toRecorded, after, maxCount, prefixes);
  }

  async readAllData(options: ReadAllOptions = {}): Promise<LoggedEvent[]> {
    this.assertOpen();
    return this.scan(this.stmt.allData, toLogged, options.afterPosition ?? 0, options.maxCount ?? Number.MAX_SAFE_INTEGER, options.streamPrefixes)
      .events;
  }

  private scan<Row extends [number, string, ...unknown[]], E>(
    stmt: Database.Statement<[number, number], Row>,
    map: (row: Row) => E,
    after: number,
    maxCount: number,
    prefixes: string[] | undefined,
  ): { events: E[]; scannedTo: number } {
    const events: E[] = [];
    let scannedTo = after;
    const page = Math.min(maxCount, 2000);
    while (events.length < maxCount) {
      const rows = stmt.all(scannedTo, page);
      for (const row of rows) {
        scannedTo = row[0];
        if (!prefixes || prefixes.some((p) => row[1].startsWith(p))) {
          events.push(map(row));
          if (events.length === maxCount) return { events, scannedTo };
        }
      }
      if (rows.length < page) break;
    }
    return { events, scannedTo };
  }

  subscribeToAll(handler: SubscriptionHandler, options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const sub = new SqliteSubscription(this, this.appended, handler, options, () => this.subscriptions.delete(sub));
    this.subscriptions.add(sub);
    sub.start();
    return sub;
  }

  async headPosition(): Promise<number | undefined> {
    this.assertOpen();
    return this.stmt.head.get()?.head ?? undefined;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Appends already accepted are written before the file is released.
    this.flush();
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosedError();
  }
}

function checkExpected(streamId: string, expected: ExpectedRevision, current: number | undefined): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'number' && current === expected);
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, current ?? 'no_stream');
}

function toLogged(row: DataTuple): LoggedEvent {
  return { streamId: row[1], type: row[3], revision: row[2], position: row[0], data: JSON.parse(row[4]) as LoggedEvent['data'] };
}

function toRecorded(row: EventTuple): RecordedEvent {
  const body = JSON.parse(row[5]) as { d: RecordedEvent['data']; m: RecordedEvent['metadata'] };
  return {
    streamId: row[1],
    id: row[3],
    type: row[4],
    revision: row[2],
    position: row[0],
    data: body.d,
    metadata: body.m,
    created: row[6],
  };
}
