import type Database from 'better-sqlite3';
import {
  recordedAtOf,
  type LoggedEvent,
  type ReadAllOptions,
  type ReadAllPagesOptions,
  type ReadStreamOptions,
  type RecordedEvent,
} from '../event-store.port.js';
import { pagesFrom } from '../log-pages.js';
import { readLogPages } from './log-reader.js';
import { RECORDED_AT_SQL } from './recorded-at.js';
import { holdFile } from './sqlite-file.js';

/** What the reads need of the store's append side. */
export interface LogBounds {
  /** The last position readers may read now: commits waiting for their flush are not readable yet. */
  readableTo(): number;
  /** Throws once the store is closed. */
  assertOpen(): void;
}

/**
 * A stored event as read: position, stream id, revision, event id, type, the body, created.
 * Rows come as arrays (better-sqlite3's raw mode: no object per row), and data and metadata as
 * one JSON text `{"d":<data>,"m":<metadata>}` concatenated by SQLite, so that each event costs
 * one JSON.parse instead of two: faster reads of the log (rebuilds, catch-up).
 */
type EventTuple = [position: number, streamId: string, revision: number, eventId: string, type: string, body: string, created: string];

/** A log row for a replay: position, stream id, revision, type, data (see LoggedEvent). */
type DataTuple = [position: number, streamId: string, revision: number, type: string, data: string, recordedAt: unknown, created: string];

/**
 * A filtered read over more positions than this looks first whether its streams hold few events
 * (the catalog's: a thousand in a log of millions): then it finds them in the stream index
 * instead of examining every event of the range (a start at 5 M dossiers read the 16 GB log twice).
 */
const STREAM_INDEX_MIN_RANGE = 100_000;
const STREAM_INDEX_MAX_EVENTS = 50_000;

/** The first string after every one starting with `prefix` (ASCII order); undefined for '' or a non-ASCII end. */
function prefixEnd(prefix: string): string | undefined {
  const last = prefix.charCodeAt(prefix.length - 1);
  if (!(last < 0x7f)) return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

const SELECT_DATA = `SELECT position, stream_id, revision, type, data, ${RECORDED_AT_SQL} FROM events`;

/** An event's link in the global chain: what a seal hashes of it (audit/hash-chain.ts). */
export interface ChainLink {
  position: number;
  streamId: string;
  /** Its `metadata.hash` as stored (not a string: written before the chain). */
  hash: unknown;
}

const SELECT_LINKS = "SELECT position, stream_id, json_extract(metadata, '$.hash') FROM events";

/**
 * A row limit bound at each call, as `LIMIT +?` rather than `LIMIT ?`. SQLite (3.53 here) plans a
 * statement with the value bound to a plain `LIMIT ?`, and a new binding (every call, through
 * better-sqlite3) makes it plan the statement again, which more than doubles the cost of a stream
 * read on every command (bench/stream-reads.ts measures it). The unary plus makes the limit an
 * expression evaluated when the statement runs. The plans here do not depend on the
 * limit: a unique index or the rowid, read in their order.
 */
export const RUNTIME_LIMIT = 'LIMIT +?';

/** The log's events as `readStream` and `readAll` select them. */
const SELECT_EVENTS = `SELECT position, stream_id, revision, event_id, type, '{"d":' || data || ',"m":' || metadata || '}', created FROM events`;

/** A stream read forwards, without its row limit (exported for bench/stream-reads.ts, which times both limit forms). */
export const SELECT_STREAM_FORWARDS = `${SELECT_EVENTS} WHERE stream_id = ? AND revision >= ? ORDER BY revision`;

/** A page of a log read, and the position up to which the log was examined to find it. */
export interface ScannedPage<E> {
  events: E[];
  scannedTo: number;
}

/**
 * The SQLite store's reads of streams and of the log, never past the readable head (see
 * SqliteEventStore): a commit waiting for its flush is not returned by the log's reads.
 */
export class SqliteReads {
  /** Where the last readAllDataPages read its pages: a worker thread, or this one. */
  readonly pagesRead: { thread?: 'worker' | 'main' } = {};
  private readonly forwards;
  private readonly backwards;
  private readonly scanStatements = new Map<string, Database.Statement>();
  private readonly countStreamRange;
  /** Prefix sets known to match many events (they only ever gain some). */
  private readonly crowded = new Set<string>();
  /** Readers of the file on connections of their own (log readers of rebuilds) right now. */
  private sharers = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    /** Whether the connection holds the file for itself (see SqliteEventStoreOptions.locking). */
    private readonly exclusive: boolean,
    private readonly bounds: LogBounds,
  ) {
    this.forwards = db.prepare<[string, number, number], EventTuple>(`${SELECT_STREAM_FORWARDS} ${RUNTIME_LIMIT}`).raw(true);
    this.backwards = db
      .prepare<[string, number, number], EventTuple>(`${SELECT_EVENTS} WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC ${RUNTIME_LIMIT}`)
      .raw(true);
    this.countStreamRange = db.prepare<[string, string, number], { n: number }>(
      'SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE stream_id >= ? AND stream_id < ? LIMIT ?)',
    );
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.bounds.assertOpen();
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const from = options.fromRevision;
    const rows =
      options.direction === 'backwards'
        ? this.backwards.all(streamId, from === undefined || from === 'end' ? Number.MAX_SAFE_INTEGER : from === 'start' ? 0 : from, max)
        : this.forwards.all(streamId, from === undefined || from === 'start' ? 0 : from === 'end' ? Number.MAX_SAFE_INTEGER : from, max);
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.bounds.assertOpen();
    return this.readAllSync(options.afterPosition ?? 0, options.maxCount ?? Number.MAX_SAFE_INTEGER, options.streamPrefixes).events;
  }

  /**
   * Reads up to `maxCount` matching events after `after`. `scannedTo` is the position up to which
   * the log was examined, so that a filtered reader does not scan the same rows again.
   */
  readAllSync(after: number, maxCount: number, prefixes?: string[]): ScannedPage<RecordedEvent> {
    return this.scan(SELECT_EVENTS, toRecorded, after, maxCount, prefixes);
  }

  async readAllData(options: ReadAllOptions = {}): Promise<LoggedEvent[]> {
    this.bounds.assertOpen();
    return this.readDataSync(options.afterPosition ?? 0, options.maxCount ?? Number.MAX_SAFE_INTEGER, options.streamPrefixes).events;
  }

  /** readAllSync for the events' data only (see LoggedEvent). */
  readDataSync(after: number, maxCount: number, prefixes?: string[]): ScannedPage<LoggedEvent> {
    return this.scan(SELECT_DATA, toLogged, after, maxCount, prefixes);
  }

  /** The chain links of readAll's events, without parsing data or metadata: a quarter of readAll's CPU. */
  async readLinks(after: number, maxCount: number): Promise<ChainLink[]> {
    this.bounds.assertOpen();
    return this.scan(SELECT_LINKS, ([position, streamId, hash]: [number, string, unknown]) => ({ position, streamId, hash }), after, maxCount, undefined).events;
  }

  async *readAllDataPages(options: ReadAllPagesOptions): AsyncGenerator<LoggedEvent[]> {
    this.bounds.assertOpen();
    const upTo = this.bounds.readableTo();
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
    this.bounds.assertOpen();
    if (this.file === ':memory:') return undefined;
    const release = this.share();
    try {
      return await use(this.file, this.bounds.readableTo());
    } finally {
      release();
    }
  }

  /**
   * Lets other connections at the file (a rebuild's log reader, in a worker thread) until the
   * returned function is called, after they closed: the connection leaves SQLite's exclusive
   * locking mode meanwhile (its transactions take file locks again), then takes the file back.
   */
  private share(): () => void {
    if (!this.exclusive) return () => undefined;
    if (this.sharers++ === 0) {
      this.db.pragma('locking_mode = NORMAL');
      this.bounds.readableTo(); // reads the log's head: SQLite lets go of the file at its next access
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
  ): ScannedPage<E> {
    const upTo = this.bounds.readableTo();
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

  /** Whether the streams of these prefixes hold few events (at most STREAM_INDEX_MAX_EVENTS), counted on the stream index. */
  private fewEvents(prefixes: string[]): boolean {
    const key = prefixes.join('\u0000');
    if (prefixes.length === 0 || this.crowded.has(key)) return false;
    let n = 0;
    for (const p of prefixes) {
      const end = prefixEnd(p);
      if (end === undefined) return false;
      n += this.countStreamRange.get(p, end, STREAM_INDEX_MAX_EVENTS + 1)?.n ?? 0;
      if (n > STREAM_INDEX_MAX_EVENTS) {
        this.crowded.add(key);
        return false;
      }
    }
    return true;
  }
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
