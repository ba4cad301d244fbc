/**
 * A rebuild: the log is replayed into a fresh file while queries keep reading the live model
 * (replay-into-fresh-file.ts); then the live subscription pauses, the fresh model catches up with
 * what was appended meanwhile, files and index are swapped, and the subscription resumes. One runs
 * at a time; a swap that fails after the live file was closed opens it again (or keeps it in memory).
 */
import { AppError } from '../../common/errors.js';
import type { WorkerMode } from '../../common/worker-channel.js';
import type { ModelInPlace, ProjectorShared } from '../model-in-place.js';
import type { LiveProjection } from '../live/live-projection.js';
import type { ProjectionStatus, RebuildReport } from '../projection-status.js';
import type { QuarantinedEvent } from '../quarantine.js';
import { ReadModels } from '../read-models.js';
import type { RegisteredCatchUp } from '../live/registered-catch-up.js';
import type { Pending } from '../seam/read-model-set.js';
import { TimelinessIndex } from '../report-index/timeliness-index.js';
import { type FreshFile, REBUILD_PAGE, replayIntoFreshFile } from './replay-into-fresh-file.js';

/** The live file's page cache while a rebuild runs, KiB. */
const LIVE_CACHE_KIB = 4096;

export interface RebuildOptions {
  /** Where the fresh file is written before it takes the live one's place. */
  file: string;
  /** Whether the rebuild's writer runs in a worker thread. */
  workers: WorkerMode;
}

export class Rebuilder {
  private rebuildRun: Promise<RebuildReport> | undefined;
  private rebuildProgress = { events: 0, startedAt: null as string | null };
  private lastRebuild: RebuildReport | null = null;
  /** Events a rebuild under way quarantined (the fresh file is written elsewhere until the swap). */
  private rebuildQuarantined: QuarantinedEvent[] = [];

  constructor(
    private readonly shared: ProjectorShared,
    private readonly live: LiveProjection,
    private readonly catchUp: RegisteredCatchUp,
    private readonly options: RebuildOptions,
  ) {}

  private get place(): ModelInPlace {
    return this.shared.place;
  }

  /** Starts a rebuild (or joins the one running); resolves when the rebuilt model is in place. */
  start(): Promise<RebuildReport> {
    if (this.shared.stopping()) return Promise.reject(new AppError('UNAVAILABLE', 'the service is shutting down'));
    this.rebuildRun ??= this.run().finally(() => (this.rebuildRun = undefined));
    return this.rebuildRun;
  }

  /** Resolves once no rebuild runs (at shutdown), whether the one under way succeeds or not. */
  async settled(): Promise<void> {
    await this.rebuildRun?.catch(() => undefined);
  }

  status(): ProjectionStatus['rebuild'] {
    return {
      running: this.rebuildRun !== undefined,
      events: this.rebuildProgress.events,
      startedAt: this.rebuildProgress.startedAt,
      last: this.lastRebuild,
    };
  }

  private async run(): Promise<RebuildReport> {
    const { store, logger } = this.shared;
    const started = Date.now();
    this.rebuildProgress = { events: 0, startedAt: new Date(started).toISOString() };
    this.rebuildQuarantined = [];
    let fresh: ReadModels | undefined;
    // The live file's page cache gives way to the rebuild's while it runs: queries and live batches read more from the disk meanwhile.
    const live = this.place.models;
    const liveCache = live.database.pragma('cache_size', { simple: true }) as number;
    live.database.pragma(`cache_size = -${LIVE_CACHE_KIB}`);
    const replay = replayIntoFreshFile({
      store,
      file: this.options.file,
      workers: this.options.workers,
      rollUps: this.place.index.rollUpList(),
      readModelSet: (models) => this.place.readModelSet(models),
      stopping: this.shared.stopping,
      progress: (events) => (this.rebuildProgress.events += events),
      quarantined: (events) => this.noteQuarantined(events),
      logger,
    });
    try {
      // 1. Replayed into a fresh file while the live model keeps answering.
      const built = await replay.done;
      fresh = built.models;
      fresh.recordQuarantined(this.rebuildQuarantined);
      // 2. Pause the live model (once any recovery under way is over), catch the fresh one up with
      //    the index maintained, swap.
      await this.live.pause();
      await this.catchUpFresh(built);
      await this.catchUp.running;
      this.place.swapIn(fresh, built.index);
      this.shared.settle();
      this.shared.changed({ checkpoint: fresh.checkpoint, unitIds: 'all', dossierIds: [] });
      const durationMs = Date.now() - started;
      const events = this.rebuildProgress.events;
      this.lastRebuild = {
        events,
        position: fresh.checkpoint,
        durationMs,
        eventsPerSecond: Math.round((events * 1000) / Math.max(1, durationMs)),
        finishedAt: new Date().toISOString(),
        writer: built.writerThread,
      };
      logger.log({ msg: 'read models rebuilt', ...this.lastRebuild });
      return this.lastRebuild;
    } catch (error) {
      if (fresh === undefined) await replay.discard();
      else if (this.place.models !== fresh) fresh.discard();
      // The swap failed after the live model was closed (its file could not be replaced): open one again.
      if (!this.place.models.isOpen) this.reopenAfterFailedSwap(error as Error);
      throw error;
    } finally {
      if (this.place.models === live && live.isOpen) live.database.pragma(`cache_size = ${liveCache}`);
      // The live subscription resumes after the model in place, rebuilt or not.
      this.live.resume();
    }
  }

  /** The events appended since the fresh file's replay, into it, its read models and its index (the live subscription is paused). */
  private async catchUpFresh({ models, index, seam }: FreshFile): Promise<void> {
    for (;;) {
      const page = await this.shared.store.readAllData({ afterPosition: models.checkpoint, maxCount: REBUILD_PAGE });
      if (page.length === 0) return;
      const from = models.checkpoint;
      let pending: Pending = [];
      const batch = models.transaction(() => {
        const applied = models.applyBatch(page);
        pending = seam.applyLive(page, from, applied.checkpoint);
        return applied;
      });
      seam.committed(pending);
      this.noteQuarantined(batch.quarantined);
      for (const { before, after } of batch.changes) index.replace(before, after);
      this.rebuildProgress.events += page.length;
    }
  }

  private reopenAfterFailedSwap(error: Error): void {
    const place = this.place;
    try {
      place.load();
      place.attachSeam();
    } catch {
      place.models = ReadModels.open(':memory:');
      place.inMemory = true;
      place.index = new TimelinessIndex();
      place.attachSeam();
      place.degraded = `the read-model file cannot be replaced (${error.message}); kept in memory until a rebuild succeeds`;
      this.shared.logger.error({ msg: 'read models kept in memory', error: error.message });
    }
    this.shared.changed({ checkpoint: place.models.checkpoint, unitIds: 'all', dossierIds: [] });
  }

  /** A rebuild's quarantined events: kept for the fresh file, and logged unless the live model knows them already. */
  private noteQuarantined(events: readonly QuarantinedEvent[]): void {
    for (const q of events) {
      this.rebuildQuarantined.push(q);
      if (!this.place.models.isQuarantined(q.position)) this.shared.logger.error({ msg: 'event quarantined by the rebuild: the read models skip it', ...q });
    }
  }
}
