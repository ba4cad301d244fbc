/**
 * The dossier views, on the projection seam (seam/read-model.ts) beside the registered read models:
 * declared like them (name, version, tables, indexes), applied in the projector's transaction with
 * them, and read through Projector.readModel('dossiers'): the dossier list, the overdue watcher's
 * queries, the timeliness report (Form II.06a) and the step report.
 *
 * What they have that no registered model has, and the projector relies on: their checkpoint is the
 * projector's; their file is the one a rebuild replays in bulk on three threads and swaps in; and a
 * report index in memory (report-index/) follows their commits, with what changed for live streams.
 */
import type { Logger } from '@nestjs/common';
import type { LoggedEvent } from '../../event-store/event-store.port.js';
import type { QuarantinedEvent } from '../quarantine.js';
import type { AppliedBatch, FoldedBatch, ReadModels } from '../read-models.js';
import { IndexSavePolicy } from '../report-index/index-save-policy.js';
import type { TimelinessIndex } from '../report-index/timeliness-index.js';
import { type Correction, type StepQuery, type StepRow, stepRows, type TimelinessQuery, timelinessRows, type TimelinessRow, type UnitTree } from '../report-index/timeliness-report.js';
import type { ReadModel, ReadModelHandle } from '../seam/read-model.js';
import type { ListQuery } from './dossier-queries.js';
import type { DossierView } from './dossier-view.js';

export const DOSSIER_VIEWS = {
  name: 'dossiers',
  /** Bumped when rows change shape or meaning: the file is then emptied and rebuilt from the log. */
  version: 7,
  schema: `
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
-- The report index (index-store.ts): one row per unit and per roll-up, each with the last report delta it holds.
CREATE TABLE IF NOT EXISTS index_months (id TEXT PRIMARY KEY, deltas INTEGER NOT NULL, directory TEXT NOT NULL, blocks BLOB NOT NULL);
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
`,
  /** Secondary indexes: created after a bulk rebuild rather than maintained row by row during it. */
  indexes: `
CREATE UNIQUE INDEX IF NOT EXISTS dossiers_seq ON dossiers (seq);
CREATE INDEX IF NOT EXISTS dossiers_unit ON dossiers (unit_id, seq);
CREATE INDEX IF NOT EXISTS dossiers_current_unit ON dossiers (current_unit_id, seq);
CREATE INDEX IF NOT EXISTS dossiers_status ON dossiers (status, seq);
CREATE INDEX IF NOT EXISTS dossiers_due_watch ON dossiers (due_at) WHERE status = 'received' AND overdue_marked = 0;
CREATE INDEX IF NOT EXISTS report_deltas_by_lag ON report_deltas (lag_class, at, recorded_at, position);
`,
  tables: ['dossiers', 'index_months', 'report_deltas', 'quarantine'],
} as const satisfies Omit<ReadModel, 'open'>;

export interface DossierQueries {
  /** A page of dossiers in reception order. */
  list(q: ListQuery): DossierView[];
  /** Open, running dossiers not yet marked overdue whose due instant is before `now`. */
  dueBefore(now: number, limit: number): { dossierId: string; dueAt: number }[];
  /** The earliest due instant at or after `now` among open, running, unmarked dossiers. */
  nextDueAtOrAfter(now: number): number | undefined;
  /** Rows of the timeliness report (Form II.06a); `correction`: what an as-of report takes away. */
  timeliness(tree: UnitTree, q: TimelinessQuery, correction?: Correction): TimelinessRow[];
  /** Rows of the step report: each unit's steps in the period. */
  steps(tree: UnitTree, q: StepQuery): StepRow[];
  /** The report index in memory, which both reports read (the scorecard and as-of reports start from it). */
  readonly index: TimelinessIndex;
  /** The position of the log they include. */
  readonly checkpoint: number;
}

/** Where the views are: replaced, file and index together, by a rebuild's swap (model-in-place.ts). */
export interface ViewsPlace {
  models: ReadModels;
  index: TimelinessIndex;
  /** Set when the index could not be rebuilt from the table: a rebuild replaces both. */
  rebuildNeeded: boolean;
  degraded: string | undefined;
}

export class DossierViews implements ReadModelHandle<DossierQueries> {
  readonly queries: DossierQueries;
  /** The batch `apply` wrote in the transaction under way, for `committed` (a transaction that fails leaves it to the next). */
  private folded: FoldedBatch | undefined;
  /** Saves the report index now and then while the service runs (a start after a crash replays less). */
  private readonly indexSaves = new IndexSavePolicy();

  constructor(
    private readonly place: ViewsPlace,
    private readonly logger: Pick<Logger, 'error'>,
    /** The index could be rebuilt neither by a batch nor from the table: the log is the truth. */
    private readonly rebuild: () => void,
  ) {
    this.queries = {
      list: (q) => place.models.list(q),
      dueBefore: (now, limit) => place.models.dueBefore(now, limit),
      nextDueAtOrAfter: (now) => place.models.nextDueAtOrAfter(now),
      timeliness: (tree, q, correction) => timelinessRows(place.index, tree, q, correction),
      steps: (tree, q) => stepRows(place.index, tree, q),
      get index() {
        return place.index;
      },
      get checkpoint() {
        return place.models.checkpoint;
      },
    };
  }

  /** The seam's apply: inside the projector's transaction. */
  apply(events: readonly LoggedEvent[]): void {
    this.applyUpTo(events);
  }

  /**
   * Folds a batch into the views and writes them with the checkpoint, inside the projector's
   * transaction (events at or before the checkpoint are skipped). `upTo`, with no events: the
   * checkpoint moves past positions with nothing to project. The checkpoint after it, or undefined
   * when there is nothing to write.
   */
  applyUpTo(events: readonly LoggedEvent[], upTo?: number): number | undefined {
    const models = this.place.models;
    const batch = events.length > 0 ? models.fold(events) : upTo === undefined ? undefined : models.skipTo(upTo);
    if (batch === undefined) return undefined;
    models.commitRows(batch.rows, batch.checkpoint, batch.quarantined);
    this.folded = batch;
    return batch.checkpoint;
  }

  /** After the transaction committed: reads see the batch, the index follows it. What changed, for live streams. */
  committed(): AppliedBatch & { quarantined: readonly QuarantinedEvent[] } {
    const batch = this.folded;
    if (batch === undefined) throw new Error('committed: no batch was applied');
    this.folded = undefined;
    this.place.models.written(batch);
    this.updateIndex(batch);
    // An index the table could not give is not saved: the rebuild replaces both.
    if (!this.place.rebuildNeeded) this.indexSaves.afterBatch(this.place.models, this.place.index);
    return batch;
  }

  private updateIndex(batch: AppliedBatch): void {
    const place = this.place;
    try {
      for (const { before, after } of batch.changes) place.index.replace(before, after);
    } catch (error) {
      // Cannot happen with a consistent index; if it does, the table is the truth.
      this.logger.error(`index update failed (${(error as Error).message}); rebuilding the index from the table`);
      try {
        place.index = place.models.buildIndex();
      } catch (again) {
        // Not even the table gives an index (a file of an older version holding a view no index
        // takes): the log is the truth. Reports stay as they were until the rebuild swaps in.
        place.degraded = `the report index could not be rebuilt from the table (${(again as Error).message}); rebuilding the read models`;
        this.logger.error({ msg: 'report index not rebuilt from the table; rebuilding the read models', error: (again as Error).message });
        place.rebuildNeeded = true;
        this.rebuild();
      }
    }
  }
}
