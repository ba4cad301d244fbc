/**
 * The read models' SQLite file (DATA_DIR/read-models.db): the `dossiers` table (one row per
 * dossier: list columns plus the pure view, encoded by view-codec.ts, steps included) and the checkpoint, written in
 * ONE transaction per batch of events, so that a crash leaves either the whole batch with its
 * checkpoint or none of it (exactly once). Per-step facts live in the view (`steps`) and in the
 * report index; a separate steps table cost a quarter of the rebuild time and nothing read it.
 * Its tables: read-models-schema.ts.
 *
 * `report_deltas` holds how each event changed the report entries, stamped with its recorded
 * instant (report-deltas.ts), written with the rows: as-of answers read it (as-of-deltas.ts).
 * The report index is kept in memory (timeliness-index.ts), saved and loaded by index-store.ts.
 *
 * `synchronous=NORMAL` in WAL mode: a power cut may lose the last committed batches, together
 * with their checkpoint, and the subscription then delivers them again. Read models are derived
 * from the event store and can always be rebuilt, so the store's FULL durability is not needed here.
 */
import type Database from 'better-sqlite3';
import { renameSync, rmSync } from 'node:fs';
import type { LoggedEvent } from '../event-store/event-store.port.js';
import { type DeltaRead, deltasSince } from './as-of/as-of-deltas.js';
import { deltaPageWriter, insertQuarantined, type ToWrite, writeBulkRows, writeLiveRows } from './views/row-writes.js';
import { dumpTables, type ListQuery, listDossiers, prepareWatch } from './views/dossier-queries.js';
import type { DossierView } from './views/dossier-view.js';
import { buildIndex, type IndexSource, loadIndex, saveIndexSnapshot } from './report-index/index-store.js';
import { type AppliedBatch, type FoldedBatch, foldLive, liveRow, type Row } from './views/live-fold.js';
import { QUARANTINE_SHOWN, type QuarantinedEvent, type QuarantineSummary } from './quarantine.js';
import { closeReadModelsDb, createSecondaryIndexes, type Mode, openReadModelsDb, prepareStatements, removeReadModelsFile, type Statements } from './read-models-schema.js';
import { type DeltaPage, NO_DELTAS } from './as-of/report-deltas.js';
import { TimelinessIndex } from './report-index/timeliness-index.js';
import { DEFAULT_CACHE_LIMIT, ViewFolder } from './views/view-folder.js';
import { decodeView } from './views/view-codec.js';

export type { AppliedBatch, FoldedBatch, Row, ViewChange } from './views/live-fold.js';
export type { ListQuery } from './views/dossier-queries.js';

export class ReadModels {
  private db: Database.Database;
  private stmt!: Statements;
  /** The overdue watcher's queries, prepared on first use (a file being bulk-loaded has no indexes yet). */
  private watch: ReturnType<typeof prepareWatch> | undefined;
  private commitTxn!: (rows: readonly Row[], checkpoint: number, quarantined: readonly QuarantinedEvent[]) => void;
  private writeTxn!: (rows: readonly ToWrite[], checkpoint: number, deltas: DeltaPage) => void;
  private checkpointValue = 0;
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
  private insertDeltaPage!: (page: DeltaPage) => void;

  /** Opens (or creates) the live file. A file written by another schema version is emptied and rebuilt. */
  static open(file: string): ReadModels {
    return new ReadModels(file, 'live');
  }

  /**
   * A fresh file for a rebuild: any previous one at `file` is removed; no journal and no fsync while
   * loading (a crash just leaves a file to throw away), secondary indexes created by `finishBulk`.
   */
  static createFresh(file: string, options: { cacheLimit?: number } = {}): ReadModels {
    ReadModels.remove(file);
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
    const db = openReadModelsDb(this.file, this.mode);
    this.db = db;
    this.stmt = prepareStatements(db);
    this.insertDeltaPage = deltaPageWriter(this.stmt);
    this.watch = undefined;
    this.commitTxn = db.transaction((rows: readonly Row[], checkpoint: number, quarantined: readonly QuarantinedEvent[]) =>
      writeLiveRows(this.stmt, rows, checkpoint, quarantined),
    );
    this.writeTxn = db.transaction((rows: readonly ToWrite[], checkpoint: number, deltas: DeltaPage) => {
      this.insertDeltaPage(deltas);
      writeBulkRows(this.stmt, rows, this.bulkIndex);
      this.stmt.setCheckpoint.run(String(checkpoint));
    });
    this.checkpointValue = Number(this.stmt.getCheckpoint.get()?.value ?? 0);
    return db;
  }

  get checkpoint(): number {
    return this.checkpointValue;
  }

  /** The connection, for the registered read models of the seam (they share the file and its transactions). */
  get database(): Database.Database {
    return this.db;
  }

  /** Its prepared statements, for the index saved while the service runs (index-save-policy.ts). */
  get statements(): Statements {
    return this.stmt;
  }

  /** Runs `work` in one transaction (nested ones, like commitRows', become savepoints of it). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
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
    this.commitRows(rows, result.checkpoint, skipped);
    this.written(result);
    return { ...result, quarantined: skipped };
  }

  /**
   * The first half of a live `applyBatch`: the events folded into the views, read but not written.
   * The rows and checkpoint are then written in one transaction (`commitRows`, in the projector's
   * transaction with the registered read models), and `written` told of it once it committed.
   */
  fold(events: readonly LoggedEvent[]): FoldedBatch {
    const { checkpoint, changed, quarantined } = foldLive(events, this.checkpointValue, (id) => this.getView(id));
    return {
      checkpoint,
      changes: changed.map(({ before, after }) => ({ before, after })),
      rows: changed.map(({ before, after, deltas }) => liveRow(before, after, deltas)),
      quarantined,
    };
  }

  /** Writes folded rows and the checkpoint in one transaction (a crash keeps both or neither). */
  commitRows(rows: readonly Row[], checkpoint: number, quarantinedEvents: readonly QuarantinedEvent[] = []): void {
    this.commitTxn(rows, checkpoint, quarantinedEvents);
  }

  /** A folded batch is committed: the checkpoint in memory moves, and the next fold starts there. */
  written(batch: AppliedBatch): void {
    if (batch.checkpoint > this.checkpointValue) this.checkpointValue = batch.checkpoint;
  }

  /** Positions with nothing to project, folded as a batch of no rows; undefined if there already. */
  skipTo(position: number): FoldedBatch | undefined {
    if (position <= this.checkpointValue) return undefined;
    return { checkpoint: position, changes: [], rows: [], quarantined: [] };
  }

  /** A bulk load's batch: views read back if needed, folded, and those leaving the cache written. */
  private applyBulk(folder: ViewFolder, events: LoggedEvent[]): AppliedBatch & { quarantined: QuarantinedEvent[] } {
    if (this.bulkFailed) throw new Error('an earlier batch of this bulk load failed');
    try {
      const { writes, checkpoint, quarantined: skipped, deltas } = folder.fold(events, this.readBack(folder.missing(events)));
      this.writeViews(writes, checkpoint, deltas);
      insertQuarantined(this.stmt, skipped);
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

  /** Records quarantined events (a rebuild's, found while the fresh file was written elsewhere). */
  recordQuarantined(events: readonly QuarantinedEvent[]): void {
    if (events.length > 0) this.db.transaction(() => insertQuarantined(this.stmt, events))();
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
    return buildIndex(this.stmt);
  }

  /** The index at start (index-store.ts). */
  loadIndex(): { index: TimelinessIndex; source: IndexSource } {
    return loadIndex(this.stmt, this.checkpointValue);
  }

  /** Saves `index`, which must match the views at the current checkpoint, for the next start. */
  saveIndexSnapshot(index: TimelinessIndex): void {
    saveIndexSnapshot(this.db, this.stmt, index, this.checkpointValue);
  }

  list(q: ListQuery): DossierView[] {
    return listDossiers(this.db, q);
  }

  /** Open, running dossiers not yet marked overdue whose due instant is before `now`. */
  dueBefore(now: number, limit: number): { dossierId: string; dueAt: number }[] {
    return (this.watch ??= prepareWatch(this.db)).dueBefore.all(now, limit).map((r) => ({ dossierId: r.dossier_id, dueAt: r.due_at }));
  }

  /** The earliest due instant at or after `now` among open, running, unmarked dossiers. */
  nextDueAtOrAfter(now: number): number | undefined {
    return (this.watch ??= prepareWatch(this.db)).nextDue.get(now)?.due_at;
  }

  /** Everything, in a comparable form: rebuilt and live models must be equal. */
  dump(): { dossiers: unknown[]; deltas: unknown[]; checkpoint: number } {
    return { ...dumpTables(this.db), checkpoint: this.checkpointValue };
  }

  // ---- lifecycle ----

  /** After a bulk load: cached views written, indexes and statistics; the loaded views' report index, for the caller to keep. */
  finishBulk(): TimelinessIndex {
    const index = this.endLoad();
    this.createIndexes();
    return index;
  }

  /** The first half of `finishBulk`: cached views committed, the index sealed (handed on while `createIndexes` runs). */
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
    createSecondaryIndexes(this.db);
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
    closeReadModelsDb(this.db);
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
    removeReadModelsFile(file);
  }
}
