/**
 * The registered read models on the read-model file's connection: their versions and checkpoints,
 * applied in the projector's transaction (each with its own checkpoint, so exactly once per model),
 * caught up on their own when new or bumped, and quarantining what they cannot apply.
 *
 * A model is live when its checkpoint is at or past the position before the batch: it then applies
 * the batch. A model behind (new, or its version bumped and so emptied) is fed pages of the log by
 * `catchUp` until it reaches the projector's checkpoint, and is live from then on.
 */
import Database from 'better-sqlite3';
import type { LoggedEvent } from '../../event-store/event-store.port.js';
import { quarantined, type QuarantinedEvent } from '../quarantine.js';
import type { ProjectionContext, ReadModel, ReadModelHandle } from './read-model.js';

const STATE_TABLES = `
CREATE TABLE IF NOT EXISTS read_model_state (name TEXT PRIMARY KEY, version INTEGER NOT NULL, checkpoint INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS read_model_quarantine (
  name TEXT NOT NULL, position INTEGER NOT NULL, stream_id TEXT NOT NULL, type TEXT NOT NULL, error TEXT NOT NULL,
  PRIMARY KEY (name, position)
) WITHOUT ROWID;
`;

const NAME = /^[a-z][a-z_]*$/;

/** Events a model's builder takes between two flushes: bounds what it holds in memory. */
const FLUSH_EVENTS = 250_000;

export interface ReadModelStatus {
  name: string;
  version: number;
  checkpoint: number;
  /** False while it is built again from the log (new, or its version bumped). */
  caughtUp: boolean;
}

interface Entry {
  model: ReadModel;
  handle: ReadModelHandle;
  checkpoint: number;
  /** Its checkpoint in the file: behind `checkpoint` while its builder holds batches not flushed yet. */
  stored: number;
  /** Events its builder took since the last flush. */
  unflushed: number;
  /** Its secondary indexes are known to exist (created once it caught up; see ReadModel.indexes). */
  indexed: boolean;
}

export class ReadModelSet {
  private readonly entries = new Map<string, Entry>();
  private readonly setCheckpoint: Database.Statement<[number, string]>;
  private readonly insertQuarantined: Database.Statement<[string, number, string, string, string]>;
  private readonly countQuarantined: Database.Statement<[string], { n: number }>;

  constructor(
    private readonly db: Database.Database,
    models: readonly ReadModel[],
    context: ProjectionContext,
    /** Told of each event a model quarantines (after its transaction commits). */
    private readonly onQuarantined: (model: string, event: QuarantinedEvent) => void = () => undefined,
  ) {
    // Each model's batch runs in a savepoint, whose journal of the pages it changes spills to a
    // temporary file past 64 KiB unless temporary storage is in memory: that file cost more than the batch.
    db.pragma('temp_store = MEMORY');
    db.exec(STATE_TABLES);
    const state = db.prepare<[string], { version: number; checkpoint: number }>('SELECT version, checkpoint FROM read_model_state WHERE name = ?');
    const reset = db.prepare<[string, number]>('INSERT OR REPLACE INTO read_model_state (name, version, checkpoint) VALUES (?, ?, 0)');
    for (const model of models) {
      if (!NAME.test(model.name) || this.entries.has(model.name)) throw new Error(`read model name ${model.name} is not [a-z_]+ or is taken twice`);
      let stored = state.get(model.name);
      if (stored?.version !== model.version) {
        // New, or its rows changed meaning: emptied, and built again from the log by catchUp.
        db.transaction(() => {
          for (const table of model.tables) db.exec(`DROP TABLE IF EXISTS ${table}`);
          db.prepare('DELETE FROM read_model_quarantine WHERE name = ?').run(model.name);
          reset.run(model.name, model.version);
        })();
        stored = { version: model.version, checkpoint: 0 };
      }
      db.exec(model.schema);
      this.entries.set(model.name, { model, handle: model.open(db, context), checkpoint: stored.checkpoint, stored: stored.checkpoint, unflushed: 0, indexed: model.indexes === undefined });
    }
    this.setCheckpoint = db.prepare('UPDATE read_model_state SET checkpoint = ? WHERE name = ?');
    this.insertQuarantined = db.prepare('INSERT OR REPLACE INTO read_model_quarantine (name, position, stream_id, type, error) VALUES (?, ?, ?, ?, ?)');
    this.countQuarantined = db.prepare('SELECT COUNT(*) AS n FROM read_model_quarantine WHERE name = ?');
  }

  /** A model's queries: only once it caught up (its indexes are then created, if that is not done yet). */
  queries<Q>(name: string): Q {
    const entry = this.entries.get(name);
    if (entry === undefined) throw new Error(`no read model ${name}`);
    if (!entry.indexed) {
      this.db.transaction(() => this.db.exec(entry.model.indexes!))();
      entry.indexed = true;
    }
    return entry.handle.queries as Q;
  }

  checkpointOf(name: string): number {
    return this.entries.get(name)?.checkpoint ?? 0;
  }

  /**
   * A live batch: the events after `from` up to `to` (the projector's checkpoints before and after
   * it), applied by every model caught up to `from`. Call inside the projector's transaction; the
   * checkpoints in memory move with `committed`.
   */
  applyLive(events: readonly LoggedEvent[], from: number, to: number): Pending {
    const pending: Pending = [];
    for (const entry of this.entries.values()) {
      if (entry.checkpoint < from) continue; // behind: catchUp brings it here
      pending.push(this.apply(entry, events, to, to));
    }
    return pending;
  }

  /** Settles the checkpoints in memory once the transaction of `applyLive` or `catchUpPage` committed. */
  committed(pending: Pending): void {
    for (const { entry, checkpoint, stored, unflushed, skipped, indexed, applied } of pending) {
      if (applied) entry.handle.committed?.();
      entry.checkpoint = checkpoint;
      entry.stored = stored;
      entry.unflushed = unflushed;
      entry.indexed = indexed;
      for (const q of skipped) this.onQuarantined(entry.model.name, q);
    }
  }

  /** Models behind the projector's checkpoint (being built from the log). */
  behind(projectorCheckpoint: number): string[] {
    return [...this.entries.values()].filter((e) => e.checkpoint < projectorCheckpoint).map((e) => e.model.name);
  }

  /** Where the models that are behind should read the log from next. */
  lowestCheckpoint(): number {
    return Math.min(...[...this.entries.values()].map((e) => e.checkpoint));
  }

  /**
   * A page of the log for the models behind `upTo` (the projector's checkpoint), in one
   * transaction. An empty page (nothing after them in the log) moves them to `upTo`, which must
   * have been read before the page was: every event up to it was then in the log.
   */
  catchUpPage(page: readonly LoggedEvent[], upTo: number): void {
    const behind = [...this.entries.values()].filter((e) => e.checkpoint < upTo);
    const last = page.length > 0 ? page[page.length - 1].position : upTo;
    let pending: Pending;
    try {
      pending = this.db.transaction(() => behind.map((entry) => this.apply(entry, page, Math.max(entry.checkpoint, last), upTo, true)))();
    } catch (error) {
      // Nothing of the page is in the file: the builders start again from their last flush.
      for (const entry of behind) {
        if (entry.handle.builder === undefined) continue;
        entry.handle.builder.discard();
        entry.checkpoint = entry.stored;
        entry.unflushed = 0;
      }
      throw error;
    }
    this.committed(pending);
  }

  /**
   * A page of a build from the log whose end is not known yet (a rebuild's pass over the log, beside
   * the dossier views): every model, none caught up by it. `endBuild` then flushes them.
   */
  buildPage(page: readonly LoggedEvent[]): void {
    if (page.length > 0) this.catchUpPage(page, Number.POSITIVE_INFINITY);
  }

  /** Ends the build of `buildPage`: what the builders hold flushed, and every checkpoint stored. */
  endBuild(): void {
    const pending = this.db.transaction(() =>
      [...this.entries.values()].map((entry) => {
        if (entry.unflushed > 0) entry.handle.builder?.flush();
        this.setCheckpoint.run(entry.checkpoint, entry.model.name);
        return { entry, checkpoint: entry.checkpoint, stored: entry.checkpoint, unflushed: 0, skipped: [], indexed: entry.indexed, applied: false };
      }),
    )();
    this.committed(pending);
  }

  /** Whether any model is registered. */
  get isEmpty(): boolean {
    return this.entries.size === 0;
  }

  /**
   * Copies every model's tables, checkpoint and quarantined events into the file of `db`, which
   * has none of them yet, and creates their secondary indexes there: a ReadModelSet opened on it
   * then finds them as they are here (a rebuild builds them beside the file its writer owns).
   */
  copyInto(db: Database.Database): void {
    db.exec(STATE_TABLES);
    for (const { model } of this.entries.values()) db.exec(model.schema);
    db.prepare('ATTACH DATABASE ? AS built').run(this.db.name);
    try {
      db.transaction(() => {
        for (const { model } of this.entries.values()) {
          for (const table of model.tables) db.exec(`INSERT INTO main.${table} SELECT * FROM built.${table}`);
        }
        db.exec('INSERT OR REPLACE INTO main.read_model_state SELECT * FROM built.read_model_state');
        db.exec('INSERT OR REPLACE INTO main.read_model_quarantine SELECT * FROM built.read_model_quarantine');
      })();
    } finally {
      db.exec('DETACH DATABASE built');
    }
    for (const { model } of this.entries.values()) if (model.indexes !== undefined) db.transaction(() => db.exec(model.indexes!))();
  }

  status(projectorCheckpoint: number): (ReadModelStatus & { quarantined: number })[] {
    return [...this.entries.values()].map(({ model, checkpoint }) => ({
      name: model.name,
      version: model.version,
      checkpoint,
      caughtUp: checkpoint >= projectorCheckpoint,
      quarantined: this.countQuarantined.get(model.name)?.n ?? 0,
    }));
  }

  /**
   * Applies `events` and moves the model's checkpoint to `to`; its indexes are created once it
   * reaches `caughtUpAt`. `building`: a page of its build from the log, given to its builder if it has one.
   */
  private apply(entry: Entry, events: readonly LoggedEvent[], to: number, caughtUpAt: number, building = false): Pending[number] {
    const builder = building ? entry.handle.builder : undefined;
    const handle = builder ?? entry.handle;
    const skipped: QuarantinedEvent[] = [];
    const fresh = events.length > 0 && events[0].position > entry.checkpoint ? events : events.filter((e) => e.position > entry.checkpoint);
    if (fresh.length > 0) {
      try {
        // A nested transaction is a savepoint: a batch that throws leaves nothing behind.
        this.db.transaction(() => handle.apply(fresh))();
      } catch (error) {
        // The file failing is not the events' fault: the batch fails, and is tried again.
        if (error instanceof Database.SqliteError) throw error;
        for (const e of fresh) {
          try {
            this.db.transaction(() => handle.apply([e]))();
          } catch (error) {
            if (error instanceof Database.SqliteError) throw error;
            const q = quarantined(e, error);
            this.insertQuarantined.run(entry.model.name, q.position, q.streamId, q.type, q.error);
            skipped.push(q);
          }
        }
      }
    }
    const checkpoint = Math.max(entry.checkpoint, to);
    let unflushed = 0;
    if (builder !== undefined) {
      unflushed = entry.unflushed + fresh.length;
      // Its first live batch or query reads the file.
      if (checkpoint >= caughtUpAt || unflushed >= FLUSH_EVENTS) {
        builder.flush();
        unflushed = 0;
      }
    }
    const stored = unflushed === 0 ? checkpoint : entry.stored;
    if (stored !== entry.stored || builder === undefined) this.setCheckpoint.run(stored, entry.model.name);
    const indexing = !entry.indexed && checkpoint >= caughtUpAt;
    if (indexing) this.db.exec(entry.model.indexes!);
    return { entry, checkpoint, stored, unflushed, skipped, indexed: entry.indexed || indexing, applied: builder === undefined && fresh.length > 0 };
  }
}

/** What a transaction applied, to settle once it committed. */
export type Pending = { entry: Entry; checkpoint: number; stored: number; unflushed: number; skipped: QuarantinedEvent[]; indexed: boolean; applied: boolean }[];
