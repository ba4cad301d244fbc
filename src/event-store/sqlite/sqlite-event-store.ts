import type Database from 'better-sqlite3';
import { closeSync, fsync, openSync } from 'node:fs';
import {
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
import { EventStoreClosedError, EventStoreWriteError } from '../errors.js';
import { type PendingAppend, SqliteAppendBatch, type WrittenBatch } from './sqlite-append-batch.js';
import { openLogFile } from './sqlite-file.js';
import { type ChainLink, type LogBounds, SqliteReads } from './sqlite-reads.js';
import { SqliteSubscriptions } from './sqlite-subscriptions.js';

// The schema and the statements that benchmarks use, where they have always been imported from.
export { SCHEMA } from './sqlite-file.js';
export { type ChainLink, RUNTIME_LIMIT, SELECT_STREAM_FORWARDS } from './sqlite-reads.js';

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
 *
 * This class is the append path (queue, group commit, flush, failures); the batch's transaction is
 * SqliteAppendBatch, the reads SqliteReads, the subscriptions and live tail SqliteSubscriptions.
 */
export class SqliteEventStore implements EventStore {
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
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
  /** Told how long each flush of the log took, in seconds (the disk's part of a command's latency). */
  private flushObserver: ((seconds: number) => void) | undefined;
  private readonly batch: SqliteAppendBatch;
  private readonly reads: SqliteReads;
  private readonly live: SqliteSubscriptions;

  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    const { db, exclusive } = openLogFile(options.file, options.locking);
    const durable = options.synchronous !== 'normal' && options.file !== ':memory:';
    return new SqliteEventStore(db, options.file, exclusive, durable ? { wal: `${options.file}-wal`, syncFile: options.syncFile ?? fsync } : undefined);
  }

  private constructor(
    private readonly db: Database.Database,
    file: string,
    /** Whether the connection holds the file for itself (see SqliteEventStoreOptions.locking). */
    exclusive: boolean,
    /** Where and how to flush the log after a commit; undefined: acknowledged at commit (`normal`). */
    private readonly durability: { wal: string; syncFile: NonNullable<SqliteEventStoreOptions['syncFile']> } | undefined,
  ) {
    const bounds: LogBounds = { readableTo: () => this.readableTo(), assertOpen: () => this.assertOpen() };
    this.reads = new SqliteReads(db, file, exclusive, bounds);
    this.live = new SqliteSubscriptions(this.reads, bounds);
    this.batch = new SqliteAppendBatch(db, exclusive);
    this.durableHead = this.batch.head();
  }

  /** Observes the duration of each flush of the log (none without durability). */
  onFlush(observer: (seconds: number) => void): void {
    this.flushObserver = observer;
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
      this.durableHead = Math.max(this.durableHead, this.batch.head());
    }
    let done: WrittenBatch;
    try {
      done = this.batch.commit(batch);
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the batch is stored.
      const failure = writeError(error);
      if (failure instanceof EventStoreWriteError) this.writeFailure = failure;
      for (const p of batch) p.reject(failure);
      return;
    }
    this.writeFailure = undefined;
    this.live.extendTail(done.written);
    const head = this.batch.head();
    if (this.durability === undefined) this.acknowledge(batch, done.results, head);
    else this.unsynced.push({ batch, results: done.results, head });
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
        const started = performance.now();
        await new Promise<void>((resolve, reject) => syncFile(fd, (error) => (error ? reject(error) : resolve())));
        this.flushObserver?.((performance.now() - started) / 1000);
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
    return Math.min(this.readableHead, this.batch.head());
  }

  private acknowledge(batch: PendingAppend[], results: (AppendResult | Error)[], head: number): void {
    if (head > this.durableHead) this.durableHead = head;
    batch.forEach((p, i) => {
      const r = results[i];
      if (r instanceof Error) p.reject(r);
      else p.resolve(r);
    });
    this.live.notify();
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.reads.readStream(streamId, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.reads.readAll(options);
  }

  /**
   * Reads up to `maxCount` matching events after `after`. `scannedTo` is the position up to which
   * the log was examined, so that a filtered reader does not scan the same rows again.
   */
  readAllSync(after: number, maxCount: number, prefixes?: string[]): { events: RecordedEvent[]; scannedTo: number } {
    return this.reads.readAllSync(after, maxCount, prefixes);
  }

  readAllData(options?: ReadAllOptions): Promise<LoggedEvent[]> {
    return this.reads.readAllData(options);
  }

  /** The global chain's links after `after` (what the audit sealer reads), in position order. */
  readLinks(after: number, maxCount: number): Promise<ChainLink[]> {
    return this.reads.readLinks(after, maxCount);
  }

  /** Where the last readAllDataPages read its pages: a worker thread, or this one. */
  get pagesRead(): { thread?: 'worker' | 'main' } {
    return this.reads.pagesRead;
  }

  readAllDataPages(options: ReadAllPagesOptions): AsyncGenerator<LoggedEvent[]> {
    return this.reads.readAllDataPages(options);
  }

  /**
   * Lends the file to a reader on a connection of its own (the audit's verification in a worker
   * thread) while `use` runs, with the last position it may read; undefined for an in-memory store.
   */
  lendFile<T>(use: (file: string, upTo: number) => Promise<T>): Promise<T | undefined> {
    return this.reads.lendFile(use);
  }

  subscribeToAll(handler: SubscriptionHandler, options?: SubscribeOptions): Subscription {
    return this.live.subscribeToAll(handler, options);
  }

  subscribeToAllData(handler: SubscriptionHandler<LoggedEvent>, options?: SubscribeOptions): Subscription {
    return this.live.subscribeToAllData(handler, options);
  }

  /** Where the reads of live data subscriptions were answered from: counts, for tests and diagnostics. */
  get liveReads(): { memory: number; file: number } {
    return this.live.liveReads;
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
        this.batch.probe();
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
    await this.live.stopAll();
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
