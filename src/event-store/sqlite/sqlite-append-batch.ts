import type Database from 'better-sqlite3';
import { recordedAtOf, type AppendResult, type EventToAppend, type ExpectedRevision, type LoggedEvent } from '../event-store.port.js';
import { checkExpectedRevision, WrongExpectedRevisionError } from '../errors.js';
import { chainRows } from '../chained-rows.js';

/** An append waiting in the store's queue for the next group commit. */
export interface PendingAppend {
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

/** What a batch's transaction did: each append's result or its own error, and the events written. */
export interface WrittenBatch {
  results: (AppendResult | Error)[];
  /** The events written, in position order; empty unless the store holds its file (see SqliteSubscriptions). */
  written: LoggedEvent[];
}

/**
 * The transaction of a group commit: each append of the batch is checked (duplicates, expected
 * revision) and serialised with its hash chained to the stream's last event before it writes
 * anything, so one append's conflict or bad payload fails it alone and never its neighbours; a
 * write error (I/O, disk full) escapes, the transaction rolls back and the whole batch fails.
 */
export class SqliteAppendBatch {
  private readonly stmt;
  private readonly transaction: Database.Transaction<(batch: PendingAppend[]) => (AppendResult | Error)[]>;
  /** The events written by the transaction under way. */
  private written: LoggedEvent[] = [];

  constructor(
    db: Database.Database,
    /** Only a store that holds its file knows every commit, so that its live tail has no gaps. */
    private readonly keepWritten: boolean,
  ) {
    this.stmt = {
      // The stream's last revision and hash, which the next event's hash chains to.
      streamHead: db.prepare<[string], { revision: number; hash: string | null }>(
        "SELECT revision, json_extract(metadata, '$.hash') AS hash FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1",
      ),
      streamIds: db.prepare<[string, number, number], { event_id: string; revision: number; position: number }>(
        'SELECT event_id, revision, position FROM events WHERE stream_id = ? AND revision >= ? AND revision <= ? ORDER BY revision',
      ),
      insert: db.prepare<[string, number, string, string, string, string, string]>(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      head: db.prepare<[], { head: number | null }>('SELECT max(position) AS head FROM events'),
      probe: db.transaction(() => {
        // A few pages' worth: a full disk refuses them as it refuses an event's.
        db.prepare('INSERT INTO append_probe (filler) VALUES (zeroblob(16384))').run();
        db.prepare('DELETE FROM append_probe').run();
      }),
    };
    this.transaction = db.transaction((batch: PendingAppend[]) => {
      const created = new Date().toISOString();
      return batch.map((p) => {
        let checked: CheckedAppend | AppendResult;
        try {
          checked = this.check(p);
        } catch (error) {
          return error as Error; // this append only: nothing of it was written
        }
        return 'rows' in checked ? this.write(p, checked, created) : checked;
      });
    });
  }

  /** Writes the batch in one immediate transaction; throws, with nothing written, on a write error. */
  commit(batch: PendingAppend[]): WrittenBatch {
    this.written = [];
    try {
      return { results: this.transaction.immediate(batch), written: this.written };
    } finally {
      this.written = [];
    }
  }

  /** The log's last position (0 when empty), committed or not. */
  head(): number {
    return this.stmt.head.get()?.head ?? 0;
  }

  /** Writes and removes a few pages in one commit: throws if the disk does not take writes. */
  probe(): void {
    this.stmt.probe.immediate();
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
    checkExpectedRevision(p.streamId, p.expected, current);
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
      if (this.keepWritten) {
        const recordedAt = recordedAtOf(p.events[i].metadata?.recordedAt, created);
        this.written.push({ streamId: p.streamId, type: row.type, revision, position, data: p.events[i].data, recordedAt });
      }
    }
    const position = out.length > 0 ? out[out.length - 1].position : this.head();
    return { nextExpectedRevision: revision, position, events: out };
  }

  /** EventStoreDB's idempotence: the same event ids appended again return the first result. */
  private findDuplicate(p: PendingAppend, current: number | undefined): AppendResult | undefined {
    if (current === undefined || p.events.length === 0) return undefined;
    // One read of the stream's own ids (a dossier stream holds a handful) instead of an index on every id;
    // where an exact or no-stream expectation says where a repeat was written, only there (as EventStoreDB): the
    // seal stream grows by one event per thousand, and reading it all made each seal slower than the last.
    const [from, to] =
      typeof p.expected === 'number' ? [p.expected + 1, p.expected + p.events.length] : p.expected === 'no_stream' ? [0, p.events.length - 1] : [0, Number.MAX_SAFE_INTEGER];
    const stored = new Map<string, { revision: number; position: number }>();
    for (const row of this.stmt.streamIds.all(p.streamId, from, to)) if (!stored.has(row.event_id)) stored.set(row.event_id, row);
    const found = p.events.map((e) => stored.get(e.id));
    if (found.every((f) => f === undefined)) return undefined;
    const consecutive = found.every((f, i) => f !== undefined && f.revision === found[0]!.revision + i);
    if (!consecutive) throw new WrongExpectedRevisionError(p.streamId, p.expected, current);
    const events = found.map((f, i) => ({ id: p.events[i].id, revision: f!.revision, position: f!.position }));
    const last = events[events.length - 1];
    return { nextExpectedRevision: last.revision, position: last.position, events };
  }
}
