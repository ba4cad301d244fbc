/**
 * The read models' SQLite file (DATA_DIR/read-models.db): the `dossiers` table (one row per
 * dossier: list columns plus the pure view, encoded by view-codec.ts, steps included) and the checkpoint, written in
 * ONE transaction per batch of events, so that a crash leaves either the whole batch with its
 * checkpoint or none of it (exactly once). Per-step facts live in the view (`steps`) and in the
 * report index; a separate steps table cost a quarter of the rebuild time and nothing read it.
 *
 * `report_deltas` holds how each event changed the report entries, stamped with its recorded
 * instant (report-deltas.ts), written with the rows: as-of answers read it (as-of-deltas.ts).
 *
 * The report index is kept in memory (timeliness-index.ts). At a clean shutdown it is saved in the
 * `index_snapshot` table with the checkpoint and the last report delta it matches; a start at that
 * same checkpoint loads it in one read, a later one (after a crash, say) loads it and adds the
 * deltas written since; without a snapshot the index is built from the views.
 *
 * `synchronous=NORMAL` in WAL mode: a power cut may lose the last committed batches, together
 * with their checkpoint, and the subscription then delivers them again. Read models are derived
 * from the event store and can always be rebuilt, so the store's FULL durability is not needed here.
 */
import Database from 'better-sqlite3';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { DOSSIER_STREAM_PREFIX, type DossierEvent, isDossierEvent } from '../dossier/events.js';
import type { LoggedEvent } from '../event-store/event-store.port.js';
import { type DossierStatus, type DossierView, evolveDossierView } from './dossier-view.js';
import { applyDeltas, type DeltaSum, indexFromSnapshot, type SnapshotRow, snapshotRows } from './index-snapshot.js';
import { type DeltaRead, deltasSince } from './as-of-deltas.js';
import { DELTA_STRIDE, type DeltaPage, type DeltaRow, DeltaRows, type Entries, entriesOf, lagClass, NO_DELTAS, NO_ENTRIES, pushDeltas } from './report-deltas.js';
import { QUARANTINE_SHOWN, quarantined, type QuarantinedEvent, type QuarantineSummary } from './quarantine.js';
import { TimelinessIndex } from './timeliness-index.js';
import { DEFAULT_CACHE_LIMIT, ViewFolder } from './view-folder.js';
import { decodeView, encodeView } from './view-codec.js';

const SCHEMA_VERSION = '7';
/** Beyond this many report deltas since the snapshot, the views are read instead (about as long at a million dossiers). */
const MAX_REPLAYED_DELTAS = 5_000_000;

const TABLES = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dossiers (
  seq             INTEGER NOT NULL,      -- position of DossierReceived: stable list order
  dossier_id      TEXT    NOT NULL,
  unit_id         TEXT    NOT NULL,      -- receiving unit
  current_unit_id TEXT    NOT NULL,
  procedure_code  TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  due_at          INTEGER NOT NULL,      -- epoch ms, due instant in force
  overdue_marked  INTEGER NOT NULL,
  position        INTEGER NOT NULL,      -- last applied event
  view            TEXT    NOT NULL       -- DossierView, encoded by view-codec.ts
);
CREATE UNIQUE INDEX IF NOT EXISTS dossiers_id ON dossiers (dossier_id);
-- Rows are stored in the order they are first written (rowid), not by seq: a rebuild writes each
-- view when its dossier closes, and rows inserted in the middle of a table bigger than the page
-- cache cost a page read and a split each (twice the time per row at a million dossiers).
-- The report index at meta 'index_snapshot' (a checkpoint): one row per unit and per roll-up.
CREATE TABLE IF NOT EXISTS index_snapshot (id TEXT NOT NULL, directory TEXT NOT NULL, keys BLOB NOT NULL);
-- How the report entries changed, by recorded instant (report-deltas.ts): what as-of answers read.
CREATE TABLE IF NOT EXISTS report_deltas (
  lag_class      INTEGER NOT NULL,
  at             INTEGER NOT NULL,      -- the entry's instant (occurred), epoch ms
  position       INTEGER NOT NULL,      -- the event that made the change
  unit_id        TEXT    NOT NULL,      -- receiving unit
  procedure_code TEXT    NOT NULL,
  handler        TEXT    NOT NULL,      -- '' for dossier categories
  category       INTEGER NOT NULL,
  recorded_at    INTEGER NOT NULL,      -- epoch ms
  n              INTEGER NOT NULL       -- +1 appeared, -1 went
);
-- Events skipped because no view could take them (quarantine.ts), written with the batch that skips them.
CREATE TABLE IF NOT EXISTS quarantine (position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, type TEXT NOT NULL, error TEXT NOT NULL);
`;

/** Secondary indexes: created after a bulk rebuild rather than maintained row by row during it. */
const INDEXES = `
CREATE UNIQUE INDEX IF NOT EXISTS dossiers_seq ON dossiers (seq);
CREATE INDEX IF NOT EXISTS dossiers_unit ON dossiers (unit_id, seq);
CREATE INDEX IF NOT EXISTS dossiers_current_unit ON dossiers (current_unit_id, seq);
CREATE INDEX IF NOT EXISTS dossiers_status ON dossiers (status, seq);
CREATE INDEX IF NOT EXISTS dossiers_due_watch ON dossiers (due_at) WHERE status = 'received' AND overdue_marked = 0;
CREATE INDEX IF NOT EXISTS report_deltas_by_lag ON report_deltas (lag_class, at, recorded_at, position);
`;

/** The page cache while the secondary indexes are created after a bulk load (see createIndexes), in KiB. */
const INDEX_BUILD_CACHE_KIB = 2048;

/** A `dossiers` row as the upsert takes it (the view encoded last). */
type DossierRow = [number, string, string, string, string, string, number, number, number, string];

/**
 * What a live batch writes per dossier: its row, and the deltas of its entries (report-deltas.ts)
 * made by the batch's events, which go wherever the row goes (another connection's commit too).
 */
export type Row = [...DossierRow, deltas?: DeltaRow[]];

const rowOf = (v: DossierView, encoded = encodeView(v)): DossierRow => [
  v.seq,
  v.dossierId,
  v.unitId,
  v.currentUnitId,
  v.procedureCode,
  v.status,
  v.dueAt,
  v.overdueMarked ? 1 : 0,
  v.position,
  encoded,
];

/** Rows written per statement by a bulk load. */
const ROWS_PER_INSERT = 16;

const upsertSql = (rows: number) =>
  `INSERT INTO dossiers (seq, dossier_id, unit_id, current_unit_id, procedure_code, status, due_at, overdue_marked, position, view)
   VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
   ON CONFLICT(dossier_id) DO UPDATE SET current_unit_id = excluded.current_unit_id, status = excluded.status,
     due_at = excluded.due_at, overdue_marked = excluded.overdue_marked, position = excluded.position, view = excluded.view`;

/** Deltas of the report entries (report-deltas.ts). */
export type Deltas = readonly DeltaRow[];

const insertDeltasSql = (rows: number) =>
  `INSERT INTO report_deltas (lag_class, at, position, unit_id, procedure_code, handler, category, recorded_at, n)
   VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;

export interface ViewChange {
  before: DossierView | undefined;
  after: DossierView;
}

export interface AppliedBatch {
  /** The checkpoint after the batch. */
  checkpoint: number;
  /** What changed, for the live index and streams (empty in a bulk load, which nobody follows). */
  changes: ViewChange[];
}

/** A live batch folded but not yet written: the rows to write with the checkpoint (`commitRows`). */
export interface FoldedBatch extends AppliedBatch {
  rows: Row[];
  /** Events of the batch no view could take: skipped, and recorded with the rows. */
  quarantined: QuarantinedEvent[];
}

export interface ListQuery {
  /** Receiving unit among these. */
  unitIds?: string[];
  currentUnitId?: string;
  status?: DossierStatus;
  /** Overdue at `now`: running (not awaiting) with its due instant before now. */
  overdue?: boolean;
  now: number;
  /** Restricts to dossiers received by or held by one of these units (a supervisor's reach). */
  visibleUnitIds?: string[];
  afterSeq: number;
  limit: number;
}

type Mode = 'live' | 'bulk';

/** A view to write, with its encoding when the caller has it already (a rebuild's worker). */
interface ToWrite {
  view: DossierView;
  encoded?: string;
}

export class ReadModels {
  private db: Database.Database;
  private stmt!: ReturnType<ReadModels['prepare']>;
  private watch: ReturnType<ReadModels['prepareWatch']> | undefined;
  private commitTxn!: (rows: readonly Row[], checkpoint: number, quarantined: readonly QuarantinedEvent[]) => void;
  private writeTxn!: (rows: readonly ToWrite[], checkpoint: number, deltas: DeltaPage) => void;
  private checkpointValue = 0;
  /**
   * Live batches folded (`fold`) but not yet committed: their views, which the next fold reads
   * instead of the table, and the position folded to. Empty and equal to the checkpoint when
   * every folded batch is committed.
   */
  private readonly unwritten = new Map<string, DossierView>();
  private foldedTo = 0;
  /**
   * During a bulk load: the fold with its write-behind cache (view-folder.ts), each view written
   * once when it leaves the cache rather than at every event. A crash mid-load leaves a file that
   * is thrown away anyway.
   */
  private folder: ViewFolder | undefined;
  /**
   * During a bulk load, the report index, built as views are written: a view written holds its
   * entries, one read back to change takes them out again (both sorted out by `seal`). So the index
   * is ready when the load ends, without reading every view back. Undefined once the load ended,
   * or when a failed batch left it unusable.
   */
  private bulkIndex: TimelinessIndex | undefined;
  private bulkFailed = false;
  /** The parameters of a bulk load's delta inserts, reused. */
  private deltaParams: (string | number)[] | undefined;

  /** Opens (or creates) the live file. A file written by another schema version is emptied and rebuilt. */
  static open(file: string): ReadModels {
    return new ReadModels(file, 'live');
  }

  /**
   * A fresh file for a rebuild: any previous one at `file` is removed; no journal and no fsync while
   * loading (a crash just leaves a file to throw away), secondary indexes created by `finishBulk`.
   */
  static createFresh(file: string, options: { cacheLimit?: number } = {}): ReadModels {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
    const models = new ReadModels(file, 'bulk');
    models.folder = new ViewFolder(0, options.cacheLimit ?? DEFAULT_CACHE_LIMIT);
    models.bulkIndex = new TimelinessIndex();
    return models;
  }

  /**
   * A file a bulk load finished (`finishBulk`) in another thread, opened to catch it up with
   * `applyBatch` before `moveTo`; still without journal or fsync.
   */
  static openLoaded(file: string): ReadModels {
    return new ReadModels(file, 'bulk');
  }

  private constructor(
    private file: string,
    private mode: Mode,
  ) {
    this.db = this.openDb();
  }

  private openDb(): Database.Database {
    if (this.file !== ':memory:') mkdirSync(dirname(this.file), { recursive: true });
    const db = new Database(this.file);
    if (this.mode === 'bulk') {
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      // The unique index on dossier ids is written in random order: keep it in memory while loading.
      db.pragma('cache_size = -65536');
    } else {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -65536');
    }
    db.pragma('busy_timeout = 5000');
    db.exec(TABLES);
    const version = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema'").get()?.value;
    if (version !== undefined && version !== SCHEMA_VERSION) {
      db.exec('DROP TABLE IF EXISTS dossiers; DROP TABLE IF EXISTS dossier_steps; DROP TABLE IF EXISTS index_snapshot; DROP TABLE IF EXISTS report_deltas; DELETE FROM meta;');
      db.exec(TABLES);
    }
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
    if (this.mode === 'live') db.exec(INDEXES);
    this.db = db;
    this.stmt = this.prepare();
    this.watch = undefined;
    this.commitTxn = db.transaction((rows: readonly Row[], checkpoint: number, quarantined: readonly QuarantinedEvent[]) => {
      for (const row of rows) {
        this.stmt.upsertDossier.run(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9]);
        if (row[10] !== undefined) this.insertDeltaRows(row[10]);
      }
      this.insertQuarantined(quarantined);
      this.stmt.setCheckpoint.run(String(checkpoint));
    });
    this.writeTxn = db.transaction((unordered: readonly ToWrite[], checkpoint: number, deltas: DeltaPage) => {
      this.insertDeltaPage(deltas);
      // In the order of the unique index on dossier ids, the one B-tree a bulk load writes at
      // random places: neighbouring entries share pages.
      const rows = [...unordered].sort((a, b) => (a.view.dossierId < b.view.dossierId ? -1 : a.view.dossierId > b.view.dossierId ? 1 : 0));
      // Several rows per statement: a third less time per row than one statement each.
      let i = 0;
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
        const params: (string | number)[] = [];
        for (let k = i; k < i + ROWS_PER_INSERT; k++) {
          this.bulkIndex?.bulkAdd(rows[k].view);
          params.push(...rowOf(rows[k].view, rows[k].encoded));
        }
        this.stmt.upsertDossiers.run(params);
      }
      for (; i < rows.length; i++) this.persist(rows[i].view, rows[i].encoded);
      this.stmt.setCheckpoint.run(String(checkpoint));
    });
    this.checkpointValue = Number(this.stmt.getCheckpoint.get()?.value ?? 0);
    this.unwritten.clear();
    this.foldedTo = this.checkpointValue;
    return db;
  }

  private prepare() {
    const db = this.db;
    return {
      getCheckpoint: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'checkpoint'"),
      setCheckpoint: db.prepare<[string]>("INSERT OR REPLACE INTO meta (key, value) VALUES ('checkpoint', ?)"),
      viewById: db.prepare<[string], { view: string }>('SELECT view FROM dossiers WHERE dossier_id = ?'),
      upsertDossier: db.prepare<DossierRow>(upsertSql(1)),
      insertDelta: db.prepare<DeltaRow>(insertDeltasSql(1)),
      insertDeltas: db.prepare<[(string | number)[]]>(insertDeltasSql(ROWS_PER_INSERT)),
      upsertDossiers: db.prepare<[(string | number)[]]>(upsertSql(ROWS_PER_INSERT)),
      allViews: db.prepare<[], { view: string }>('SELECT view FROM dossiers'),
      getSnapshotAt: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'index_snapshot'"),
      setSnapshotAt: db.prepare<[string]>("INSERT OR REPLACE INTO meta (key, value) VALUES ('index_snapshot', ?)"),
      getSnapshotDeltas: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'index_snapshot_deltas'"),
      setSnapshotDeltas: db.prepare<[string]>("INSERT OR REPLACE INTO meta (key, value) VALUES ('index_snapshot_deltas', ?)"),
      lastDelta: db.prepare<[], { last: number | null }>('SELECT max(rowid) AS last FROM report_deltas'),
      deltasAfter: db.prepare<[number], DeltaSum>(
        'SELECT unit_id, procedure_code, handler, category, at, SUM(n) AS n FROM report_deltas WHERE rowid > ? GROUP BY unit_id, procedure_code, handler, category, at HAVING SUM(n) <> 0',
      ),
      clearSnapshot: db.prepare("DELETE FROM index_snapshot"),
      insertSnapshotRow: db.prepare<[string, string, Buffer]>('INSERT INTO index_snapshot (id, directory, keys) VALUES (?, ?, ?)'),
      snapshotRows: db.prepare<[], SnapshotRow>('SELECT id, directory, keys FROM index_snapshot'),
      insertQuarantined: db.prepare<[number, string, string, string]>(
        'INSERT OR REPLACE INTO quarantine (position, stream_id, type, error) VALUES (?, ?, ?, ?)',
      ),
      countQuarantined: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM quarantine'),
      latestQuarantined: db.prepare<[number], { position: number; streamId: string; type: string; error: string }>(
        'SELECT position, stream_id AS streamId, type, error FROM quarantine ORDER BY position DESC LIMIT ?',
      ),
      isQuarantined: db.prepare<[number], { position: number }>('SELECT position FROM quarantine WHERE position = ?'),
    };
  }

  get checkpoint(): number {
    return this.checkpointValue;
  }

  /** The connection, for the registered read models of the seam (they share the file and its transactions). */
  get database(): Database.Database {
    return this.db;
  }

  /** Runs `work` in one transaction (nested ones, like commitRows', become savepoints of it). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  /**
   * The overdue watcher's queries, prepared on first use (a file being bulk-loaded has no indexes
   * yet). They name the partial index: without statistics (a fresh live file) SQLite otherwise
   * picks the status index and sorts every received dossier after each batch.
   */
  private watchStatements(): ReturnType<ReadModels['prepareWatch']> {
    return (this.watch ??= this.prepareWatch(this.db));
  }

  private prepareWatch(db: Database.Database) {
    return {
      dueBefore: db.prepare<[number, number], { dossier_id: string; due_at: number }>(
        `SELECT dossier_id, due_at FROM dossiers INDEXED BY dossiers_due_watch
         WHERE status = 'received' AND overdue_marked = 0 AND due_at < ? ORDER BY due_at LIMIT ?`,
      ),
      nextDue: db.prepare<[number], { due_at: number }>(
        `SELECT due_at FROM dossiers INDEXED BY dossiers_due_watch
         WHERE status = 'received' AND overdue_marked = 0 AND due_at >= ? ORDER BY due_at LIMIT 1`,
      ),
    };
  }

  /**
   * Applies a batch of events in global order, with the checkpoint, in one transaction. Events at
   * or before the checkpoint were applied already and are skipped, so a batch delivered twice
   * (after a crash between commit and acknowledgement, or a replayed subscription) changes nothing.
   * Events of other streams only move the checkpoint.
   */
  applyBatch(events: LoggedEvent[]): AppliedBatch & { quarantined: QuarantinedEvent[] } {
    if (events.length === 0) return { checkpoint: this.checkpointValue, changes: [], quarantined: [] };
    if (this.folder) return this.applyBulk(this.folder, events);
    const { rows, quarantined: skipped, ...result } = this.fold(events);
    try {
      this.commitRows(rows, result.checkpoint, skipped);
    } catch (error) {
      this.forgetUnwritten();
      throw error;
    }
    this.written(result);
    return { ...result, quarantined: skipped };
  }

  /**
   * The first half of a live `applyBatch`: the events folded into the views, read but not written.
   * The rows and checkpoint are then written in one transaction (`commitRows`, in the projector's
   * transaction with the registered read models), and `written` told of it. Until then the next
   * fold starts from this one's views and position.
   */
  fold(events: LoggedEvent[]): FoldedBatch {
    const changed = new Map<string, ViewChange & { entries: Entries; deltas: DeltaRows }>();
    const skipped: QuarantinedEvent[] = [];
    let checkpoint = Math.max(this.checkpointValue, this.foldedTo);
    for (const e of events) {
      if (e.position <= checkpoint) continue;
      checkpoint = e.position;
      if (!e.streamId.startsWith(DOSSIER_STREAM_PREFIX) || !isDossierEvent(e)) continue;
      const id = e.streamId.slice(DOSSIER_STREAM_PREFIX.length);
      const entry = changed.get(id);
      // A stream's first event has no view before it (events up to the checkpoint were skipped).
      const current = entry ? entry.after : e.revision === 0 ? undefined : (this.unwritten.get(id) ?? this.getView(id));
      let next: DossierView | undefined;
      try {
        next = evolveDossierView(current, { type: e.type, data: e.data } as DossierEvent, e);
      } catch (error) {
        // The view stays as before this event (evolve is pure); the batch goes on (quarantine.ts).
        skipped.push(quarantined(e, error));
        continue;
      }
      if (next === undefined || next === current) continue;
      // Per event, not per batch: each change of the entries carries its own event's recorded instant.
      const entries = entriesOf(next);
      const before = entry ? entry.entries : current === undefined ? NO_ENTRIES : entriesOf(current);
      const deltas = entry ? entry.deltas : new DeltaRows();
      pushDeltas(before, entries, e.position, e.recordedAt, deltas);
      if (entry) {
        entry.after = next;
        entry.entries = entries;
      } else changed.set(id, { before: current, after: next, entries, deltas });
    }
    const folded = [...changed.values()];
    for (const { after } of folded) this.unwritten.set(after.dossierId, after);
    this.foldedTo = checkpoint;
    return {
      checkpoint,
      changes: folded.map(({ before, after }) => ({ before, after })),
      rows: folded.map(({ after, deltas }): Row => [...rowOf(after), deltas.rows]),
      quarantined: skipped,
    };
  }

  /**
   * Writes folded rows and the checkpoint in one transaction (a crash keeps both or neither). The
   * checkpoint in memory moves with `written`, on whichever connection the rows were committed.
   */
  commitRows(rows: readonly Row[], checkpoint: number, quarantinedEvents: readonly QuarantinedEvent[] = []): void {
    this.commitTxn(rows, checkpoint, quarantinedEvents);
  }

  /**
   * A folded batch is committed (by `commitRows` here or on another connection): reads here now
   * see its rows, and the next fold reads them from the table.
   */
  written(batch: AppliedBatch): void {
    if (batch.checkpoint > this.checkpointValue) this.checkpointValue = batch.checkpoint;
    for (const { after } of batch.changes) if (this.unwritten.get(after.dossierId) === after) this.unwritten.delete(after.dossierId);
  }

  /** Positions with nothing to project, folded as a batch of no rows; undefined if folded already. */
  skipTo(position: number): FoldedBatch | undefined {
    if (position <= Math.max(this.checkpointValue, this.foldedTo)) return undefined;
    this.foldedTo = position;
    return { checkpoint: position, changes: [], rows: [], quarantined: [] };
  }

  /**
   * Folded batches whose commit failed or never came: forgotten; the next fold starts from the
   * table, at the checkpoint stored there. True when that is ahead of the last one `written`: a
   * commit landed unanswered (its writer died), and what follows the table (the report index) is
   * behind it.
   */
  forgetUnwritten(): boolean {
    this.unwritten.clear();
    const stored = Number(this.stmt.getCheckpoint.get()?.value ?? 0);
    const moved = stored !== this.checkpointValue;
    this.checkpointValue = stored;
    this.foldedTo = stored;
    return moved;
  }

  /** A bulk load's batch: views read back if needed, folded, and those leaving the cache written. */
  private applyBulk(folder: ViewFolder, events: LoggedEvent[]): AppliedBatch & { quarantined: QuarantinedEvent[] } {
    if (this.bulkFailed) throw new Error('an earlier batch of this bulk load failed');
    try {
      const { writes, checkpoint, quarantined: skipped, deltas } = folder.fold(events, this.readBack(folder.missing(events)));
      this.writeViews(writes, checkpoint, deltas);
      this.insertQuarantined(skipped);
      return { checkpoint, changes: [], quarantined: skipped };
    } catch (error) {
      // The fold moved on with views now lost, and the index holds entries of some: unusable.
      this.bulkFailed = true;
      throw error;
    }
  }

  /**
   * Bulk load: the written views of these dossiers, for a later event to change. They are taken out
   * of the index being built, and must be written again (`writeViews`), changed or not.
   */
  readBack(dossierIds: readonly string[]): Map<string, DossierView> {
    return new Map(this.takeBack(dossierIds).map(([id, , view]) => [id, view]));
  }

  /** readBack, with the views as stored (view-codec.ts): what a worker sends back. */
  readBackEncoded(dossierIds: readonly string[]): [string, string][] {
    return this.takeBack(dossierIds).map(([id, encoded]) => [id, encoded]);
  }

  /** The stored views of these dossiers, each decoded once and taken out of the index being built. */
  private takeBack(dossierIds: readonly string[]): [id: string, encoded: string, view: DossierView][] {
    const out: [string, string, DossierView][] = [];
    for (const id of dossierIds) {
      const row = this.stmt.viewById.get(id);
      if (!row) continue;
      const view = decodeView(row.view);
      this.bulkIndex?.bulkRemove(view);
      out.push([id, row.view, view]);
    }
    return out;
  }

  /** Bulk load: writes views (indexing them), the deltas of the report entries (flat) and the checkpoint, in one transaction. */
  writeViews(views: readonly DossierView[], checkpoint: number, deltas: DeltaPage = NO_DELTAS): void {
    this.write(views.map((view) => ({ view })), checkpoint, deltas);
  }

  /** writeViews, of views encoded by view-codec.ts (as a worker receives them). */
  writeEncoded(encoded: readonly string[], checkpoint: number, deltas: DeltaPage = NO_DELTAS): void {
    this.write(encoded.map((text) => ({ view: decodeView(text), encoded: text })), checkpoint, deltas);
  }

  private write(rows: readonly ToWrite[], checkpoint: number, deltas: DeltaPage): void {
    // A bulk load commits once, at the end (finishBulk): a commit per page wrote the same pages
    // of the table and its index again and again. A crash mid-load leaves a file to throw away.
    if (this.bulkIndex !== undefined && !this.db.inTransaction) this.db.exec('BEGIN');
    this.writeTxn(rows, checkpoint, deltas);
    this.checkpointValue = checkpoint;
  }

  private persist(v: DossierView, encoded?: string): void {
    this.bulkIndex?.bulkAdd(v);
    this.stmt.upsertDossier.run(...rowOf(v, encoded));
  }

  /** Records quarantined events (a rebuild's, found while the fresh file was written elsewhere). */
  recordQuarantined(events: readonly QuarantinedEvent[]): void {
    if (events.length > 0) this.db.transaction(() => this.insertQuarantined(events))();
  }

  /** A live batch's deltas of the report entries, several per statement. */
  private insertDeltaRows(deltas: Deltas): void {
    let i = 0;
    for (; i + ROWS_PER_INSERT <= deltas.length; i += ROWS_PER_INSERT) {
      const params: (string | number)[] = [];
      for (let k = i; k < i + ROWS_PER_INSERT; k++) params.push(...deltas[k]);
      this.stmt.insertDeltas.run(params);
    }
    for (; i < deltas.length; i++) this.stmt.insertDelta.run(...deltas[i]);
  }

  /** A bulk load's page of deltas (report-deltas.ts), several per statement, through one reused array of parameters. */
  private insertDeltaPage({ length, values: v, strings }: DeltaPage): void {
    const params = (this.deltaParams ??= new Array<string | number>(ROWS_PER_INSERT * 9));
    const one = new Array<string | number>(9);
    for (let i = 0; i < length; ) {
      const rows = length - i >= ROWS_PER_INSERT ? ROWS_PER_INSERT : 1;
      const out = rows === 1 ? one : params;
      for (let k = 0, p = 0; k < rows; k++, i++) {
        const o = i * DELTA_STRIDE;
        out[p++] = lagClass(v[o + 2], v[o]);
        out[p++] = v[o];
        out[p++] = v[o + 1];
        out[p++] = strings[v[o + 3]];
        out[p++] = strings[v[o + 4]];
        out[p++] = strings[v[o + 5]];
        out[p++] = v[o + 6];
        out[p++] = v[o + 2];
        out[p++] = v[o + 7];
      }
      if (rows === 1) this.stmt.insertDelta.run(...(out as DeltaRow));
      else this.stmt.insertDeltas.run(out);
    }
  }

  private insertQuarantined(events: readonly QuarantinedEvent[]): void {
    for (const q of events) this.stmt.insertQuarantined.run(q.position, q.streamId, q.type, q.error);
  }

  // ---- queries ----

  /** The events skipped because no view could take them: how many, and the latest. */
  quarantine(): QuarantineSummary {
    return { count: this.stmt.countQuarantined.get()?.n ?? 0, items: this.stmt.latestQuarantined.all(QUARANTINE_SHOWN) };
  }

  isQuarantined(position: number): boolean {
    return this.stmt.isQuarantined.get(position) !== undefined;
  }

  /** The file, for connections of other threads (':memory:' for an in-memory one, kept so when the file cannot be replaced). */
  get path(): string {
    return this.file;
  }

  /** The deltas of the report entries written after rowid `after`, recorded after `asOf`, before `end` (as-of-deltas.ts). */
  deltasSince(after: number, asOf: number, end: number): DeltaRead[] {
    return deltasSince(this.db, after, asOf, end);
  }

  getView(dossierId: string): DossierView | undefined {
    const row = this.stmt.viewById.get(dossierId);
    return row ? decodeView(row.view) : undefined;
  }

  /** The index of the reports, built from the views in the table. */
  buildIndex(): TimelinessIndex {
    const index = new TimelinessIndex();
    for (const row of this.stmt.allViews.iterate()) index.bulkAdd(decodeView(row.view));
    index.seal();
    return index;
  }

  /**
   * The index at start: the snapshot when it was saved at the current checkpoint (every batch that
   * changes a view moves the checkpoint, so the views are then exactly those it was taken from),
   * else built from the table.
   */
  loadIndex(): { index: TimelinessIndex; source: 'snapshot' | 'snapshot+deltas' | 'table' } {
    const at = this.stmt.getSnapshotAt.get()?.value;
    if (at === String(this.checkpointValue)) {
      return { index: indexFromSnapshot(this.stmt.snapshotRows.iterate()), source: 'snapshot' };
    }
    const since = Number(this.stmt.getSnapshotDeltas.get()?.value ?? NaN);
    const last = this.stmt.lastDelta.get()?.last ?? 0;
    if (at !== undefined && Number.isInteger(since) && last - since <= MAX_REPLAYED_DELTAS) {
      try {
        const index = indexFromSnapshot(this.stmt.snapshotRows.iterate());
        applyDeltas(index, this.stmt.deltasAfter.iterate(since));
        // Views committed without their deltas (a file an older version wrote, then died) show as a count that differs.
        const dossiers = this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM dossiers').get()?.n ?? 0;
        if (index.dossierCount() !== dossiers) throw new Error('the snapshot and the deltas do not count every view');
        return { index, source: 'snapshot+deltas' };
      } catch {
        // A snapshot the deltas do not fit (it cannot happen with a consistent file): the views are the truth.
      }
    }
    return { index: this.buildIndex(), source: 'table' };
  }

  /** Saves `index`, which must match the views at the current checkpoint, for the next start. */
  saveIndexSnapshot(index: TimelinessIndex): void {
    this.db.transaction(() => {
      this.stmt.clearSnapshot.run();
      for (const row of snapshotRows(index)) {
        this.stmt.insertSnapshotRow.run(row.id, row.directory, Buffer.from(row.keys.buffer, row.keys.byteOffset, row.keys.byteLength));
      }
      this.stmt.setSnapshotAt.run(String(this.checkpointValue));
      this.stmt.setSnapshotDeltas.run(String(this.stmt.lastDelta.get()?.last ?? 0));
    })();
  }

  list(q: ListQuery): DossierView[] {
    const where: string[] = ['seq > ?'];
    const params: (string | number)[] = [q.afterSeq];
    if (q.unitIds !== undefined) {
      if (q.unitIds.length === 1) {
        where.push('unit_id = ?');
      } else {
        // The unary + keeps SQLite walking the seq index instead of sorting every match of a big subtree.
        where.push(`+unit_id IN (${q.unitIds.map(() => '?').join(',')})`);
      }
      params.push(...q.unitIds);
    }
    if (q.currentUnitId !== undefined) {
      where.push('current_unit_id = ?');
      params.push(q.currentUnitId);
    }
    if (q.status !== undefined) {
      where.push('status = ?');
      params.push(q.status);
    }
    if (q.overdue !== undefined) {
      where.push(`${q.overdue ? '' : 'NOT '}(status = 'received' AND due_at < ?)`);
      params.push(q.now);
    }
    if (q.visibleUnitIds !== undefined) {
      const marks = q.visibleUnitIds.map(() => '?').join(',');
      where.push(`(+unit_id IN (${marks}) OR +current_unit_id IN (${marks}))`);
      params.push(...q.visibleUnitIds, ...q.visibleUnitIds);
    }
    params.push(q.limit);
    const sql = `SELECT view FROM dossiers WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`;
    return this.db
      .prepare<(string | number)[], { view: string }>(sql)
      .all(...params)
      .map((r) => decodeView(r.view));
  }

  /** Open, running dossiers not yet marked overdue whose due instant is before `now`. */
  dueBefore(now: number, limit: number): { dossierId: string; dueAt: number }[] {
    return this.watchStatements().dueBefore.all(now, limit).map((r) => ({ dossierId: r.dossier_id, dueAt: r.due_at }));
  }

  /** The earliest due instant at or after `now` among open, running, unmarked dossiers. */
  nextDueAtOrAfter(now: number): number | undefined {
    return this.watchStatements().nextDue.get(now)?.due_at;
  }

  /** Everything, in a comparable form: rebuilt and live models must be equal. */
  dump(): { dossiers: unknown[]; deltas: unknown[]; checkpoint: number } {
    return {
      dossiers: this.db.prepare('SELECT * FROM dossiers ORDER BY seq').all(),
      // Net per entry and recorded instant: a live and a bulk fold may split the same changes differently.
      deltas: this.db
        .prepare(
          `SELECT unit_id, procedure_code, handler, category, at, recorded_at, SUM(n) AS n FROM report_deltas
           GROUP BY unit_id, procedure_code, handler, category, at, recorded_at HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6`,
        )
        .all(),
      checkpoint: this.checkpointValue,
    };
  }

  // ---- lifecycle ----

  /**
   * After a bulk load: the views still cached written, secondary indexes and statistics. Returns
   * the report index of the loaded views (from then on the caller keeps it current).
   */
  finishBulk(): TimelinessIndex {
    const index = this.endLoad();
    this.createIndexes();
    return index;
  }

  /**
   * The first half of `finishBulk`: the views still cached written and committed, and the report
   * index sealed. Its caller may hand the index on while `createIndexes` runs.
   */
  endLoad(): TimelinessIndex {
    if (this.bulkFailed) throw new Error('the bulk load failed; its index is incomplete');
    if (this.folder) this.writeViews(this.folder.drain(), this.checkpointValue);
    this.folder = undefined;
    if (this.db.inTransaction) this.db.exec('COMMIT');
    const index = this.bulkIndex;
    if (index === undefined) throw new Error('endLoad: this file is not being bulk-loaded');
    this.bulkIndex = undefined;
    index.seal();
    return index;
  }

  /** The second half of `finishBulk`: secondary indexes and statistics. */
  createIndexes(): void {
    // SQLite's sorter takes up to the page cache's size in memory for each index it builds; with the
    // bulk load's 256 MiB it sorts a million keys in one list, with 2 MiB in small runs that it then
    // merges, which is faster; helper threads sort those runs while the rebuild's other threads wait.
    this.db.pragma(`cache_size = -${INDEX_BUILD_CACHE_KIB}`);
    if (availableParallelism() > 1) this.db.pragma('threads = 2');
    this.db.exec(INDEXES);
    // Statistics from a sample: the plans only need the shape of the data.
    this.db.exec('PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA analysis_limit = 0;');
  }

  /**
   * Moves this (rebuilt) file to `target`, which must be closed already: the rebuilt model takes
   * the place of the live one, and reopens there in live mode.
   */
  moveTo(target: string): void {
    this.db.close();
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(target + suffix, { force: true });
    renameSync(this.file, target);
    this.file = target;
    this.mode = 'live';
    this.db = this.openDb();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /** Closes and deletes the file (an abandoned rebuild). */
  discard(): void {
    this.close();
    ReadModels.remove(this.file);
  }

  /** Deletes a read-model file that could not be opened or loaded: it is derived, and rebuilt from the log. */
  static remove(file: string): void {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
  }
}
