import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { closeSync, fsync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  recordedAtOf,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type LoggedEvent,
  type ReadAllOptions,
  type ReadAllPagesOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
} from '../event-store.port.js';
import { EventStoreClosedError, EventStoreWriteError, WrongExpectedRevisionError } from '../errors.js';
import { pagesFrom } from '../log-pages.js';
import { readLogPages } from './log-reader.js';
import { RECORDED_AT_SQL } from './recorded-at.js';
import { chainRows } from '../chained-rows.js';
import { type LogRead, SqliteSubscription } from './sqlite-subscription.js';

export interface SqliteEventStoreOptions {
  /** Database file; its folder is created when missing. */
  file: string;
  /** `full` (default): an acknowledged append survives a power cut. `normal`: faster, may lose the last commits. */
  synchronous?: 'full' | 'normal';
  /**
   * `exclusive` (default): the store holds its file for itself while open (SQLite's exclusive
   * locking mode), so that its transactions and reads take no file locks; another connection or
   * process is refused (SQLITE_BUSY), except the store's own log reader during a rebuild. `shared`:
   * other connections may read and write the file meanwhile (tools that read it beside a store).
   */
  locking?: 'exclusive' | 'shared';
  /** How the write-ahead log is flushed to disk (`fs.fsync`); replaceable by tests to hold a flush. */
  syncFile?: (fd: number, done: (error: Error | null) => void) => void;
}

/** A committed batch waiting for the flush of the write-ahead log before its appends are acknowledged. */
interface Unsynced {
  batch: PendingAppend[];
  results: (AppendResult | Error)[];
  /** The log's last position after the batch. */
  head: number;
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
 * one JSON.parse instead of two: faster reads of the log (rebuilds, catch-up).
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

/**
 * How many of its last committed events (at least; at most twice as many) the store keeps for live
 * subscriptions to the log's data (the projector's, see liveTail). Under HTTP load such a
 * subscription reads every 25 ms, 150-250 events at a time; one further behind reads the file
 * until it is this close again. Kept small so that the events die young, as parsed ones did.
 */
const LIVE_TAIL_EVENTS = 1024;

/** Page cache of the connection (negative: KiB). The default 2 MiB thrashes once the indexes outgrow it. */
const CACHE_KIB = 32 * 1024;

/** A log row for a replay: position, stream id, revision, type, data (see LoggedEvent). */
type DataTuple = [position: number, streamId: string, revision: number, type: string, data: string, recordedAt: unknown, created: string];


const SELECT_DATA = `SELECT position, stream_id, revision, type, data, ${RECORDED_AT_SQL} FROM events`;

/**
 * A row limit bound at each call, as `LIMIT +?` rather than `LIMIT ?`. SQLite (3.53 here) plans a
 * statement with the value bound to a plain `LIMIT ?`, and a new binding (every call, through
 * better-sqlite3) makes it plan the statement again, which more than doubles the cost of a stream
 * read on every command (bench/stream-reads.ts measures it). The unary plus makes the limit an
 * expression evaluated when the statement runs. The plans here do not depend on the
 * limit: a unique index or the rowid, read in their order.
 */
export const RUNTIME_LIMIT = 'LIMIT +?';

/**
 * A filtered read over more positions than this looks first whether its streams hold few events
 * (the catalog's, at start: a thousand in a log of millions); then it finds them in the stream
 * index instead of examining every event of the range, which reads the whole log.
 */
const STREAM_INDEX_MIN_RANGE = 100_000;
const STREAM_INDEX_MAX_EVENTS = 50_000;

/** The first string after every one starting with `prefix` (ASCII order); undefined for '' or a non-ASCII end. */
function prefixEnd(prefix: string): string | undefined {
  const last = prefix.charCodeAt(prefix.length - 1);
  if (!(last < 0x7f)) return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/** The log's events as `readStream` and `readAll` select them. */
const SELECT_EVENTS = `SELECT position, stream_id, revision, event_id, type, '{"d":' || data || ',"m":' || metadata || '}', created FROM events`;

/** A stream read forwards, without its row limit (exported for bench/stream-reads.ts, which times both limit forms). */
export const SELECT_STREAM_FORWARDS = `${SELECT_EVENTS} WHERE stream_id = ? AND revision >= ? ORDER BY revision`;

/** Holds the file for this connection from now on (SQLite takes it at a write otherwise). */
function holdFile(db: Database.Database): void {
  db.pragma('locking_mode = EXCLUSIVE');
  db.exec('BEGIN IMMEDIATE; COMMIT');
}

/**
 * Embedded event store on one SQLite file in WAL mode, with a single writer.
 *
 * Appends that arrive in the same turn of the event loop are written in one transaction (group
 * commit). Each append is checked (expected revision, duplicates) and serialised before it writes
 * anything, so one append's conflict or bad payload fails it alone and never its neighbours; a
 * write error fails the whole batch. Positions are SQLite rowids assigned as max+1 inside the
 * single writer, so the global log has no gaps.
 *
 * Durability (`synchronous=full`, the default): a promise resolves only once its commit is on
 * disk. SQLite commits with `synchronous=NORMAL` (the commit's frames written to the write-ahead
 * log, not flushed), and the store then flushes the log with `fs.fsync` on libuv's thread pool,
 * so the event loop goes on serving while the disk works (with SQLite's FULL the flush held the
 * event loop for most of a millisecond per commit, a fifth of the time under load). Appends made
 * while a flush runs are committed together when it ends, and share the next one. Until its flush
 * completes, a commit is not delivered to subscriptions nor returned by readAll (a projection
 * never gets ahead of what a power cut keeps); stream reads may see it, like a decision made on
 * it, whose own append is acknowledged only after a flush that covers both.
 *
 * The connection holds its file for itself (SQLite's exclusive locking mode) unless opened
 * `shared`: with nobody else at the file, its transactions and reads skip SQLite's file locks,
 * and the system calls they cost on the command thread.
 * A second service on the same data directory is refused at open.
 */
export class SqliteEventStore implements EventStore {
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly appended = new EventEmitter();
  private readonly subscriptions = new Set<SqliteSubscription<LoggedEvent>>();
  private readonly stmt;
  private readonly flushBatch: Database.Transaction<(batch: PendingAppend[]) => (AppendResult | Error)[]>;
  /** Committed batches waiting for a flush of the log; whether flushes run, and until when. */
  private unsynced: Unsynced[] = [];
  private syncRunning = false;
  private syncing: Promise<void> = Promise.resolve();
  /** Descriptor of the write-ahead log, opened at the first flush; undefined without durability. */
  private walFd: number | undefined;
  /** The last position known to be on disk: what readers are given (see the class comment). */
  private durableHead: number;
  /** A flush of the log failed: what the disk holds is unknown, and the store takes no more appends. */
  private syncFailure: Error | undefined;
  /** The last commit failed on a write error (disk full...) and none has succeeded since. */
  private writeFailure: EventStoreWriteError | undefined;
  /** When a write was last tried to see whether the disk takes writes again (appendFailure). */
  private lastProbe = 0;
  /** The events this store committed last, in position order without gaps (see liveTail). */
  private tail: LoggedEvent[] = [];
  /** The events written by the transaction under way, added to `tail` once it has committed. */
  private written: LoggedEvent[] = [];
  /** Where the reads of live data subscriptions were answered from: counts, for tests and diagnostics. */
  readonly liveReads = { memory: 0, file: 0 };

  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    const inMemory = options.file === ':memory:';
    if (!inMemory) mkdirSync(dirname(options.file), { recursive: true });
    // Waits up to 5 s for a file another connection holds (a service still closing, say).
    const db = new Database(options.file, { timeout: 5000 });
    const exclusive = options.locking !== 'shared' && !inMemory;
    try {
      // WAL is entered in SQLite's normal locking mode, so that the mode can be switched back and
      // forth afterwards (a rebuild's log reader, see share()).
      db.pragma('journal_mode = WAL');
      // `full` is kept by flushing the log after each commit (see the class comment).
      db.pragma('synchronous = NORMAL');
      db.pragma(`cache_size = -${CACHE_KIB}`);
      db.exec(SCHEMA);
      db.exec(MIGRATE);
      if (exclusive) holdFile(db);
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') {
        throw new Error(`${options.file} is in use by another process: the embedded event store holds its file for itself while open (one service per DATA_DIR)`);
      }
      throw error;
    }
    const durable = options.synchronous !== 'normal' && !inMemory;
    return new SqliteEventStore(db, options.file, exclusive, durable ? { wal: `${options.file}-wal`, syncFile: options.syncFile ?? fsync } : undefined);
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    /** Whether the connection holds the file for itself (see SqliteEventStoreOptions.locking). */
    private readonly exclusive: boolean,
    /** Where and how to flush the log after a commit; undefined: acknowledged at commit (`normal`). */
    private readonly durability: { wal: string; syncFile: NonNullable<SqliteEventStoreOptions['syncFile']> } | undefined,
  ) {
    this.appended.setMaxListeners(0);
    this.stmt = {
      // The stream's last revision and hash, which the next event's hash chains to.
      streamHead: db.prepare<[string], { revision: number; hash: string | null }>(
        "SELECT revision, json_extract(metadata, '$.hash') AS hash FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1",
      ),
      streamIds: db.prepare<[string], { event_id: string; revision: number; position: number }>(
        'SELECT event_id, revision, position FROM events WHERE stream_id = ? ORDER BY revision',
      ),
      insert: db.prepare<[string, number, string, string, string, string, string]>(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      forwards: db
        .prepare<[string, number, number], EventTuple>(`${SELECT_STREAM_FORWARDS} ${RUNTIME_LIMIT}`)
        .raw(true),
      backwards: db
        .prepare<[string, number, number], EventTuple>(`${SELECT_EVENTS} WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC ${RUNTIME_LIMIT}`)
        .raw(true),
      head: db.prepare<[], { head: number | null }>('SELECT max(position) AS head FROM events'),
      countStreamRange: db.prepare<[string, string, number], { n: number }>(
        'SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE stream_id >= ? AND stream_id < ? LIMIT ?)',
      ),
      probe: db.transaction(() => {
        // A few pages' worth: a full disk refuses them as it refuses an event's.
        db.prepare('INSERT INTO append_probe (filler) VALUES (zeroblob(16384))').run();
        db.prepare('DELETE FROM append_probe').run();
      }),
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
    this.durableHead = this.stmt.head.get()?.head ?? 0;
  }

  append(streamId: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreClosedError());
    if (this.syncFailure) return Promise.reject(this.syncFailure);
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
    // While the log is being flushed, appends wait and are committed together once it is done:
    // they could not be acknowledged earlier anyway, and one commit costs less than several.
    if (this.syncRunning) return;
    this.commit();
    if (this.unsynced.length > 0) {
      this.syncRunning = true;
      this.syncing = this.syncLog();
    }
  }

  /** Commits the queued appends: acknowledged now without durability, else once the log is flushed. */
  private commit(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    // Nothing of this store waiting for a flush: all that is committed so far is readable.
    if (this.durability !== undefined && this.readableHead === Number.MAX_SAFE_INTEGER) {
      this.durableHead = Math.max(this.durableHead, this.stmt.head.get()?.head ?? 0);
    }
    let results: (AppendResult | Error)[];
    this.written = [];
    try {
      results = this.flushBatch.immediate(batch);
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the batch is stored.
      const failure = writeError(error);
      if (failure instanceof EventStoreWriteError) this.writeFailure = failure;
      for (const p of batch) p.reject(failure);
      return;
    }
    this.writeFailure = undefined;
    this.extendTail(this.written);
    this.written = [];
    const head = this.stmt.head.get()?.head ?? 0;
    if (this.durability === undefined) this.acknowledge(batch, results, head);
    else this.unsynced.push({ batch, results, head });
  }

  /**
   * Flushes the log until nothing waits: each flush acknowledges the batches committed before it
   * started, then commits what was appended meanwhile, for the next flush.
   */
  private async syncLog(): Promise<void> {
    const { wal, syncFile } = this.durability!;
    while (this.unsynced.length > 0) {
      const covered = this.unsynced;
      this.unsynced = [];
      try {
        // The log exists once a commit wrote it, and SQLite keeps the same file while the store is open.
        this.walFd ??= openSync(wal, 'r+');
        const fd = this.walFd;
        await new Promise<void>((resolve, reject) => syncFile(fd, (error) => (error ? reject(error) : resolve())));
      } catch (error) {
        // Committed but not known to be on disk: not acknowledged. After a failed fsync the kernel
        // may have dropped the pages, so a later flush proves nothing: no more appends until a
        // restart (health answers 503 meanwhile); a caller retrying then with the same event ids
        // gets the stored result if the events are there.
        this.syncFailure ??= new EventStoreWriteError('FSYNC', `the event log could not be flushed to disk: ${(error as Error).message}`, error);
        for (const u of [...covered, ...this.unsynced.splice(0)]) for (const p of u.batch) p.reject(this.syncFailure);
        for (const p of this.queue.splice(0)) p.reject(this.syncFailure);
        break;
      }
      for (const u of covered) this.acknowledge(u.batch, u.results, u.head);
      this.commit();
    }
    // In the same turn as the last look at `unsynced`: an append after it starts a new run.
    this.syncRunning = false;
  }

  /**
   * How far readers may read: the durable head while commits of this store wait for a flush;
   * otherwise all that is committed (then on disk, or written by another process).
   */
  private get readableHead(): number {
    return this.unsynced.length === 0 && !this.syncRunning ? Number.MAX_SAFE_INTEGER : this.durableHead;
  }

  /** The last position readers may read now: the log's head, capped at the readable head. */
  private readableTo(): number {
    return Math.min(this.readableHead, this.stmt.head.get()?.head ?? 0);
  }

  private acknowledge(batch: PendingAppend[], results: (AppendResult | Error)[], head: number): void {
    if (head > this.durableHead) this.durableHead = head;
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
    const head = this.stmt.streamHead.get(p.streamId);
    const current = head?.revision;
    const duplicate = this.findDuplicate(p, current);
    if (duplicate) return duplicate;
    checkExpected(p.streamId, p.expected, current);
    const rows = chainRows(p.streamId, current ?? -1, head?.hash ?? undefined, p.events);
    return { current, rows };
  }

  private write(p: PendingAppend, { current, rows }: CheckedAppend, created: string): AppendResult {
    let revision = current ?? -1;
    const out: AppendResult['events'] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      revision += 1;
      const info = this.stmt.insert.run(p.streamId, revision, row.id, row.type, row.data, row.metadata, created);
      const position = Number(info.lastInsertRowid);
      out.push({ id: row.id, revision, position });
      // Only a store that holds its file knows every commit, so that its tail has no gaps.
      if (this.exclusive) {
        const recordedAt = recordedAtOf(p.events[i].metadata?.recordedAt, created);
        this.written.push({ streamId: p.streamId, type: row.type, revision, position, data: p.events[i].data, recordedAt });
      }
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
    return this.scan(SELECT_EVENTS, toRecorded, after, maxCount, prefixes);
  }

  async readAllData(options: ReadAllOptions = {}): Promise<LoggedEvent[]> {
    this.assertOpen();
    return this.scan(SELECT_DATA, toLogged, options.afterPosition ?? 0, options.maxCount ?? Number.MAX_SAFE_INTEGER, options.streamPrefixes).events;
  }

  /** Where the last readAllDataPages read its pages: a worker thread, or this one. */
  readonly pagesRead: { thread?: 'worker' | 'main' } = {};

  async *readAllDataPages(options: ReadAllPagesOptions): AsyncGenerator<LoggedEvent[]> {
    this.assertOpen();
    const upTo = this.readableTo();
    const inThread = (afterPosition: number) => pagesFrom((o) => this.readAllData(o), upTo, { ...options, afterPosition });
    const afterPosition = options.afterPosition ?? 0;
    this.pagesRead.thread = 'main';
    if (this.file === ':memory:' || options.readAhead === false) {
      yield* inThread(afterPosition);
      return;
    }
    const release = this.share();
    try {
      yield* readLogPages({ file: this.file, afterPosition, upTo, pageSize: options.pageSize }, inThread, this.pagesRead);
    } finally {
      release();
    }
  }

  /**
   * Lends the file to a reader on a connection of its own (the audit's verification in a worker
   * thread) while `use` runs, with the last position it may read; undefined for an in-memory store.
   */
  async lendFile<T>(use: (file: string, upTo: number) => Promise<T>): Promise<T | undefined> {
    this.assertOpen();
    if (this.file === ':memory:') return undefined;
    const release = this.share();
    try {
      return await use(this.file, this.readableTo());
    } finally {
      release();
    }
  }

  /** Readers of the file on connections of their own (log readers of rebuilds) right now. */
  private sharers = 0;

  /**
   * Lets other connections at the file (a rebuild's log reader, in a worker thread) until the
   * returned function is called, after they closed: the connection leaves SQLite's exclusive
   * locking mode meanwhile (its transactions take file locks again), then takes the file back.
   */
  private share(): () => void {
    if (!this.exclusive) return () => undefined;
    if (this.sharers++ === 0) {
      this.db.pragma('locking_mode = NORMAL');
      this.stmt.head.get(); // SQLite lets go of the file at its next access
    }
    return () => {
      if (--this.sharers > 0 || !this.db.open) return;
      try {
        holdFile(this.db);
      } catch {
        // Someone else read the file meanwhile: the next append takes it (or says why it cannot).
      }
    };
  }

  /**
   * Up to `maxCount` events after `after`, of the streams starting with one of `prefixes` if
   * given, filtered by SQLite (a subscription to the catalog's few streams skips every dossier
   * event without bringing it into JavaScript), never past the readable head.
   */
  private scan<Row extends [number, ...unknown[]], E>(
    select: string,
    map: (row: Row) => E,
    after: number,
    maxCount: number,
    prefixes: string[] | undefined,
  ): { events: E[]; scannedTo: number } {
    const upTo = this.readableTo();
    if (upTo <= after || maxCount <= 0) return { events: [], scannedTo: after };
    const byStream = prefixes !== undefined && upTo - after > STREAM_INDEX_MIN_RANGE && this.fewEvents(prefixes);
    const stmt = this.scanStatement<Row>(select, prefixes?.length ?? -1, byStream);
    const params: (string | number)[] = [after, upTo];
    if (byStream) for (const p of prefixes) params.push(p, prefixEnd(p)!);
    for (const p of prefixes ?? []) params.push(p);
    params.push(maxCount);
    const rows = stmt.all(...params);
    const events = rows.map(map);
    // A short answer examined everything up to `upTo`; a full one, up to its last row.
    return { events, scannedTo: rows.length === maxCount ? rows[rows.length - 1][0] : upTo };
  }

  private readonly scanStatements = new Map<string, Database.Statement>();

  /**
   * `prefixes`: how many prefixes the statement filters on; -1 for none (0 matches nothing).
   * `byStream`: the prefixes' events found by ranges of the stream index (the position's bounds
   * made expressions, `+position`, so that SQLite does not walk the log instead) and sorted.
   */
  private scanStatement<Row>(select: string, prefixes: number, byStream = false): Database.Statement<(string | number)[], Row> {
    const key = `${prefixes}:${byStream}:${select}`;
    let stmt = this.scanStatements.get(key);
    if (stmt === undefined) {
      const ranges = Array.from({ length: prefixes }, () => '(stream_id >= ? AND stream_id < ?)').join(' OR ');
      const bounds = byStream ? `+position > ? AND +position <= ? AND (${ranges})` : 'position > ? AND position <= ?';
      const filter = prefixes < 0 ? '' : ` AND (${prefixes === 0 ? '0' : Array.from({ length: prefixes }, () => 'instr(stream_id, ?) = 1').join(' OR ')})`;
      stmt = this.db.prepare(`${select} WHERE ${bounds}${filter} ORDER BY position ${RUNTIME_LIMIT}`).raw(true);
      this.scanStatements.set(key, stmt);
    }
    return stmt as Database.Statement<(string | number)[], Row>;
  }

  /** Prefix sets known to match many events (they only ever gain some). */
  private readonly crowded = new Set<string>();

  /** Whether the streams of these prefixes hold few events (at most STREAM_INDEX_MAX_EVENTS), counted on the stream index. */
  private fewEvents(prefixes: string[]): boolean {
    const key = prefixes.join('\u0000');
    if (prefixes.length === 0 || this.crowded.has(key)) return false;
    let n = 0;
    for (const p of prefixes) {
      const end = prefixEnd(p);
      if (end === undefined) return false;
      n += (this.stmt.countStreamRange.get(p, end, STREAM_INDEX_MAX_EVENTS + 1)?.n ?? 0);
      if (n > STREAM_INDEX_MAX_EVENTS) {
        this.crowded.add(key);
        return false;
      }
    }
    return true;
  }

  subscribeToAll(handler: SubscriptionHandler, options: SubscribeOptions = {}): Subscription {
    return this.subscribe((after, max, prefixes) => this.readAllSync(after, max, prefixes), handler, options);
  }

  subscribeToAllData(handler: SubscriptionHandler<LoggedEvent>, options: SubscribeOptions = {}): Subscription {
    return this.subscribe(
      (after, max, prefixes) => {
        const fromMemory = prefixes === undefined ? this.liveTail(after, max) : undefined;
        if (fromMemory) this.liveReads.memory++;
        else this.liveReads.file++;
        return fromMemory ?? this.scan(SELECT_DATA, toLogged, after, max, prefixes);
      },
      handler,
      options,
    );
  }

  private extendTail(events: LoggedEvent[]): void {
    if (events.length === 0) return;
    const last = this.tail.length > 0 ? this.tail[this.tail.length - 1].position : undefined;
    if (last === undefined || events[0].position !== last + 1) this.tail = [];
    for (const e of events) this.tail.push(e);
    if (this.tail.length > 2 * LIVE_TAIL_EVENTS) this.tail = this.tail.slice(-LIVE_TAIL_EVENTS);
  }

  /**
   * What a read of the file (`scan(SELECT_DATA)`) would answer for a live subscription, taken
   * from the events this store committed last when they cover the range; undefined otherwise.
   * The events carry the data objects their appenders passed (JSON values that neither side
   * changes, as the port asks), so that the projector does not read back from the file and parse
   * what was serialised a moment before, on the command thread.
   */
  private liveTail(after: number, maxCount: number): { events: LoggedEvent[]; scannedTo: number } | undefined {
    if (this.tail.length === 0) return undefined;
    const upTo = this.readableTo();
    if (upTo <= after || maxCount <= 0) return { events: [], scannedTo: after };
    const first = this.tail[0].position;
    if (after + 1 < first || upTo > this.tail[this.tail.length - 1].position) return undefined;
    const to = Math.min(upTo, after + maxCount);
    return { events: this.tail.slice(after + 1 - first, to + 1 - first), scannedTo: to };
  }

  private subscribe<E extends LoggedEvent>(read: LogRead<E>, handler: SubscriptionHandler<E>, options: SubscribeOptions): Subscription {
    this.assertOpen();
    const sub: SqliteSubscription<E> = new SqliteSubscription(read, this.appended, handler, options, () => this.subscriptions.delete(sub));
    this.subscriptions.add(sub);
    sub.start();
    return sub;
  }

  async headPosition(): Promise<number | undefined> {
    this.assertOpen();
    const head = this.readableTo();
    return head > 0 ? head : undefined; // positions start at 1
  }

  async ping(): Promise<void> {
    this.assertOpen();
    if (this.syncFailure) throw this.syncFailure;
    this.db.prepare('SELECT 1').get();
  }

  /**
   * Why appends fail now, or undefined. After a write error, a write is tried again (at most once
   * a second) so that the answer turns by itself when space returns, even if no client retries.
   * A failed flush is final (see syncLog).
   */
  async appendFailure(): Promise<string | undefined> {
    if (this.closed) return 'the event store is closed';
    if (this.syncFailure) return this.syncFailure.message;
    if (this.writeFailure === undefined) return undefined;
    if (Date.now() - this.lastProbe >= PROBE_INTERVAL_MS && !this.syncRunning) {
      this.lastProbe = Date.now();
      try {
        this.stmt.probe.immediate();
        this.writeFailure = undefined;
      } catch (error) {
        const failure = writeError(error);
        if (failure instanceof EventStoreWriteError) this.writeFailure = failure;
      }
    }
    return this.writeFailure?.message;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Appends already accepted are written (and flushed) before the file is released.
    this.flush();
    await this.syncing;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.db.close();
    if (this.walFd !== undefined) closeSync(this.walFd);
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosedError();
  }
}

const PROBE_INTERVAL_MS = 1000;

/** SQLite's codes of a write the file or the disk refused (the code may carry a detail: SQLITE_IOERR_WRITE). */
const WRITE_FAILURE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|NOMEM)/;

/** A write error of SQLite as the port's typed error (503 STORE_UNAVAILABLE at the edge); anything else as it is. */
export function writeError(error: unknown): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !WRITE_FAILURE.test(code)) return error;
  return new EventStoreWriteError(code, `the event log cannot be written: ${(error as Error).message} (${code})`, error);
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
  return { streamId: row[1], type: row[3], revision: row[2], position: row[0], data: JSON.parse(row[4]) as LoggedEvent['data'], recordedAt: recordedAtOf(row[5], row[6]) };
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
    recordedAt: recordedAtOf(body.m.recordedAt, row[6]),
  };
}
