/**
 * The read models in place: the dossier views' file, its report index and the registered read models
 * on its connection. A rebuild's swap replaces all three at once, so the live projection, the
 * catch-up, the rebuild and the queries always read them from here, never keep their own.
 *
 * The index is saved at a clean shutdown and loaded at start, with the report deltas written since
 * when the checkpoint moved (a crash); without a snapshot it is rebuilt from the table.
 */
import type { Logger } from '@nestjs/common';
import type { EventStore } from '../event-store/event-store.port.js';
import type { ProjectionChange, ReadModelSetup } from './projection-status.js';
import { ReadModels } from './read-models.js';
import { ReadModelSet } from './seam/read-model-set.js';
import type { TimelinessIndex } from './report-index/timeliness-index.js';
import { DossierViews } from './views/dossier-views.read-model.js';

export class ModelInPlace {
  models!: ReadModels;
  index!: TimelinessIndex;
  /** The registered read models on the live file's connection (attached again after a rebuild swap). */
  seam!: ReadModelSet;
  /** How the read models were started when not as stored (see Projector.onModuleInit). */
  degraded: string | undefined;
  /** The read models live in memory (their file could not be written at start): written in this thread. */
  inMemory = false;
  /** Set when the index could not be rebuilt from the table: a rebuild replaces both. */
  rebuildNeeded = false;
  /** The dossier views on the seam: over whichever file and index are in place. */
  readonly views: DossierViews;

  constructor(
    readonly file: string,
    private readonly setup: ReadModelSetup,
    private readonly logger: Logger,
    /** Starts a rebuild: the index could be rebuilt neither by its batch nor from the table. */
    rebuild: () => void,
  ) {
    this.views = new DossierViews(this, logger, rebuild);
  }

  /** Opens the stored file and its index (a snapshot and the deltas since, or built from the table). */
  load(): void {
    this.models = ReadModels.open(this.file);
    const started = Date.now();
    const { index, source } = this.models.loadIndex();
    this.index = index;
    // Built from every view: saved at once, so that a start after a crash adds the deltas since instead.
    if (source === 'table' && this.models.checkpoint > 0) {
      try {
        this.models.saveIndexSnapshot(index);
      } catch (error) {
        this.logger.error(`index snapshot not saved at start (${(error as Error).message})`);
      }
    }
    this.logger.log({ msg: 'report index loaded', source, checkpoint: this.models.checkpoint, ms: Date.now() - started });
  }

  /** The registered read models on the connection of the model in place. */
  attachSeam(): void {
    this.seam = this.readModelSet(this.models);
  }

  /** The registered read models on a connection (the one in place, or a rebuild's fresh file). */
  readModelSet(models: ReadModels): ReadModelSet {
    return new ReadModelSet(models.database, this.setup.models, this.setup.context, (name, q) =>
      this.logger.error({ msg: `event quarantined by the ${name} read model: it skips it`, ...q }),
    );
  }

  /** A rebuild's fresh file takes the place of the live one (closed first): whatever the start had to make do with is over. */
  swapIn(fresh: ReadModels, index: TimelinessIndex): void {
    this.models.close();
    fresh.moveTo(this.file);
    this.models = fresh;
    this.index = index;
    // The registered read models, rebuilt with the rest, on the reopened connection.
    this.attachSeam();
    this.rebuildNeeded = false;
    this.inMemory = false;
    this.degraded = undefined;
  }
}

/** What the projector's parts (live projection, catch-up, rebuild) share with it. */
export interface ProjectorShared {
  store: EventStore;
  place: ModelInPlace;
  logger: Logger;
  /** The application is shutting down: nothing new starts. */
  stopping(): boolean;
  /** The model in place reached a new checkpoint: read-your-writes waiters for it go on. */
  settle(): void;
  /** Live streams hear of a change (the projector's changes$). */
  changed(change: ProjectionChange): void;
}
