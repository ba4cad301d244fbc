/**
 * When the report index is saved while the service runs. A start after a crash loads the last
 * snapshot and replays the report deltas written since (index-store.ts); over a long uptime they
 * pile up (and beyond a limit the start reads every view instead). So once `afterDeltas` deltas
 * were written since the snapshot, it is saved again, a few rows at a time (`stepBytes` of rows
 * per step, each step at a later turn of the event loop): a whole save holds the thread for
 * seconds at millions of dossiers. Each row records the deltas it holds, so batches committed
 * between steps are no harm.
 *
 * The projector calls `afterBatch` after each committed batch, once the index has taken it.
 */
import { Logger } from '@nestjs/common';
import { type RowPart, rowParts } from './index-snapshot.js';
import { lastDelta, snapshotDeltas, SteppedSave } from './index-store.js';
import type { ReadModels } from '../read-models.js';
import type { Statements } from '../read-models-schema.js';
import type { TimelinessIndex } from './timeliness-index.js';

export interface IndexSavePolicyOptions {
  /** A save starts once this many report deltas were written since the snapshot (what a start after a crash replays). */
  afterDeltas?: number;
  /** Bytes of rows written per step. */
  stepBytes?: number;
  /** Runs the next step at a later turn (setImmediate by default: after the I/O waiting, between batches). */
  schedule?: (step: () => void) => void;
  logger?: Pick<Logger, 'error' | 'log'>;
}

interface Pass {
  models: ReadModels;
  save: SteppedSave;
  /** Rows still to write (taken from the end). */
  left: RowPart[];
  started: number;
}

export const DEFAULT_SAVE_AFTER_DELTAS = 500_000;
const DEFAULT_STEP_BYTES = 4 * 1024 * 1024;

export class IndexSavePolicy {
  private readonly afterDeltas: number;
  private readonly stepBytes: number;
  private readonly schedule: (step: () => void) => void;
  private readonly logger: Pick<Logger, 'error' | 'log'>;
  /** The models and index of the last batch: what a step saves (a rebuild swaps both). */
  private models: ReadModels | undefined;
  private index: TimelinessIndex | undefined;
  private stmt: Statements | undefined;
  /** The deltas the snapshot holds, as last read (a save is due once `afterDeltas` more are written). */
  private saved: number | undefined;
  private pass: Pass | undefined;

  constructor(options: IndexSavePolicyOptions = {}) {
    this.afterDeltas = options.afterDeltas ?? DEFAULT_SAVE_AFTER_DELTAS;
    this.stepBytes = options.stepBytes ?? DEFAULT_STEP_BYTES;
    this.schedule = options.schedule ?? ((step) => setImmediate(step));
    this.logger = options.logger ?? new Logger('Projector');
  }

  /** After a committed batch that `index` has taken: starts a save when one is due. */
  afterBatch(models: ReadModels, index: TimelinessIndex): void {
    this.models = models;
    this.index = index;
    if (this.pass !== undefined) return;
    const stmt = this.statements(models);
    const last = lastDelta(stmt);
    if (this.saved !== undefined && last - this.saved < this.afterDeltas) return;
    // Due as last read: the snapshot may be newer (saved whole since), so read again.
    this.saved = snapshotDeltas(stmt) ?? Number.NEGATIVE_INFINITY;
    if (last - this.saved < this.afterDeltas) return;
    try {
      const save = new SteppedSave(models.database, stmt, last);
      this.pass = { models, save, left: index.unitList().flatMap(([unitId, u]) => rowParts(unitId, u)), started: performance.now() };
    } catch (error) {
      this.failed(error as Error, last);
      return;
    }
    this.schedule(() => this.step());
  }

  /** Whether a save is under way. */
  get saving(): boolean {
    return this.pass !== undefined;
  }

  private step(): void {
    const pass = this.pass;
    if (pass === undefined) return;
    // Another file (a rebuild swapped it in) or a closed one: this save is of no use.
    if (this.models !== pass.models || !pass.models.isOpen) {
      this.pass = undefined;
      this.saved = undefined;
      return;
    }
    try {
      pass.save.step(this.index!, pass.left, this.stepBytes);
      if (pass.left.length > 0) {
        this.schedule(() => this.step());
        return;
      }
      pass.save.finish();
      this.pass = undefined;
      this.saved = pass.save.base;
      this.logger.log({ msg: 'report index saved', deltas: pass.save.base, mb: Math.round(pass.save.written / 1048576), ms: Math.round(performance.now() - pass.started) });
    } catch (error) {
      this.pass = undefined;
      this.failed(error as Error, pass.save.base);
    }
  }

  /** Tried again once `afterDeltas` more deltas were written, not at every batch. */
  private failed(error: Error, last: number): void {
    this.saved = last;
    this.logger.error(`report index not saved (${error.message}); tried again later`);
  }

  /** The statements of the file in place; another file (a rebuild swapped it in) has its own snapshot. */
  private statements(models: ReadModels): Statements {
    if (this.stmt !== models.statements) {
      this.stmt = models.statements;
      this.saved = undefined;
    }
    return this.stmt;
  }
}
