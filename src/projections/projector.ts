/**
 * The projector: a catch-up subscription over the whole log feeding the read models.
 *
 * - Exactly once: each delivered batch is committed with its checkpoint in one SQLite transaction,
 *   together with the registered read models of the seam (seam/, registry.ts), each with its own
 *   checkpoint; the subscription restarts after the stored checkpoint, and anything at or before
 *   it is skipped. A registered model that is new or whose version changed is built from the log
 *   beside the live batches (catchUp) and answers once it has caught up.
 * - The subscription is NOT filtered by stream prefix, so that the checkpoint moves past every
 *   position, projected or not: a `minPosition` returned by a catalog write is reached too.
 * - The report index is updated from each committed batch. It is saved at a clean shutdown and
 *   loaded at start, with the report deltas written since when the checkpoint moved (a crash);
 *   without a snapshot it is rebuilt from the table.
 * - Rebuild: replays the log into a fresh file while queries keep reading the live model
 *   (rebuild/), then pauses the live subscription, catches the fresh model up, swaps files and
 *   index, and resumes.
 * - No read model stops the projector (issue 21): an event no view can take is quarantined and
 *   skipped (quarantine.ts), and a read-model file that cannot be loaded at start is rebuilt.
 */
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { AppError } from '../common/errors.js';
import { compileCalendar, loadDefaultCalendarSpec } from '../calendar/index.js';
import { EVENT_STORE, type EventStore, type LoggedEvent, type RecordedEvent, type Subscription } from '../event-store/event-store.port.js';
import type { QuarantinedEvent, QuarantineSummary } from './quarantine.js';
import { type AppliedBatch, type FoldedBatch, ReadModels } from './read-models.js';
import { type Pending, ReadModelSet } from './seam/read-model-set.js';
import { buildFromLog } from './seam/build-from-log.js';
import { PositionWaiters } from './position-waiters.js';
import { type ProjectionChange, type ProjectionStatus, READ_MODEL_SETUP, type RebuildReport, type ReadModelSetup } from './projection-status.js';
import { type FreshFile, REBUILD_PAGE, replayIntoFreshFile } from './rebuild/replay-into-fresh-file.js';

export { READ_MODEL_SETUP, type ProjectionChange, type ProjectionStatus, type RebuildReport, type ReadModelSetup } from './projection-status.js';
import type { WorkerMode } from '../common/worker-channel.js';
import { REBUILD_WORKER } from './rebuild-writer.js';
import { TimelinessIndex } from './timeliness-index.js';

const RESUBSCRIBE_MS = 1000;

@Injectable()
export class Projector implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private models!: ReadModels;
  private currentIndex!: TimelinessIndex;
  private subscription: Subscription | undefined;
  private caughtUp = false;
  private stopping = false;
  private readonly waiters = new PositionWaiters();
  private caughtUpWaiters: (() => void)[] = [];
  private rebuildRun: Promise<RebuildReport> | undefined;
  private rebuildProgress = { events: 0, startedAt: null as string | null };
  private lastRebuild: RebuildReport | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The registered read models on the live file's connection (attached again after a rebuild swap). */
  private seam!: ReadModelSet;
  /** Registered read models being built from the log (catchUp). */
  private catchingUp: Promise<void> | undefined;
  /** Set by a failed batch: what the subscription still delivers is ignored until it restarts. */
  private failedBatch = false;
  /** A failed live batch being recovered from (see recover). */
  private recovery: Promise<void> | undefined;
  /** A rebuild is replacing the live model, its writer and its subscription. */
  private swapping = false;
  private readonly changesSubject = new Subject<ProjectionChange>();
  /** Emits after each committed batch (and after a rebuild swap); completes at shutdown. */
  readonly changes$ = this.changesSubject.asObservable();
  /** Why the live projection is stopped (a failed batch, no success since); undefined while it runs. */
  private stoppedBecause: string | undefined;
  /** How the read models were started when not as stored (see onModuleInit). */
  private degraded: string | undefined;
  /** The read models live in memory (their file could not be written at start): written in this thread. */
  private inMemory = false;
  /** Events a rebuild under way quarantined (the fresh file is written elsewhere until the swap). */
  private rebuildQuarantined: QuarantinedEvent[] = [];
  private readonly shutdownSubject = new Subject<void>();
  /** Emits once when the application starts shutting down: live streams end on it. */
  readonly shutdown$ = this.shutdownSubject.asObservable();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    /** Whether the rebuild's writer runs in a worker thread. */
    @Optional() @Inject(REBUILD_WORKER) private readonly workers: WorkerMode = 'auto',
    /** The registered read models (none when absent, as in tests of the dossier views alone). */
    @Optional() @Inject(READ_MODEL_SETUP) private readonly setup: ReadModelSetup = { models: [], context: { calendar: defaultCalendar } },
  ) {}

  private get file(): string {
    return join(this.config.dataDir, 'read-models.db');
  }

  onModuleInit(): void {
    try {
      this.load();
    } catch (error) {
      // The read models are derived: a file that cannot be opened or loaded never stops the start.
      this.models?.close();
      this.degraded = `the read models could not be loaded (${(error as Error).message}); rebuilt from the log`;
      this.logger.error({ msg: 'read models not loaded; rebuilding them from the log', error: (error as Error).message });
      try {
        ReadModels.remove(this.file);
        this.models = ReadModels.open(this.file);
      } catch (again) {
        this.degraded = `the read-model file cannot be written (${(again as Error).message}); kept in memory until a rebuild succeeds`;
        this.logger.error({ msg: 'read models kept in memory', error: (again as Error).message });
        this.models = ReadModels.open(':memory:');
        this.inMemory = true;
      }
      this.currentIndex = new TimelinessIndex();
    }
    this.attachSeam();
    // A new (or emptied) file facing a long log: the bulk replay is several times faster than
    // following the log batch by batch; it subscribes when done.
    if (this.models.checkpoint === 0) {
      void this.rebuild().catch((e: Error) => this.stopping || this.logger.error(`initial build failed: ${e.message}`));
    }
    else this.subscribe();
  }

  /** The registered read models on the connection of the model in place. */
  private attachSeam(): void {
    this.seam = this.readModelSet(this.models);
  }

  private readModelSet(models: ReadModels): ReadModelSet {
    return new ReadModelSet(models.database, this.setup.models, this.setup.context, (name, q) =>
      this.logger.error({ msg: `event quarantined by the ${name} read model: it skips it`, ...q }),
    );
  }

  private load(): void {
    this.models = ReadModels.open(this.file);
    const started = Date.now();
    const { index, source } = this.models.loadIndex();
    this.currentIndex = index;
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

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.shutdownSubject.next();
    this.shutdownSubject.complete();
    clearTimeout(this.retryTimer);
    await this.rebuildRun?.catch(() => undefined);
    await this.recovery;
    await this.catchingUp;
    await this.subscription?.stop();
    this.subscription = undefined;
    this.changesSubject.complete();
  }

  onApplicationShutdown(): void {
    // Nothing is applied any more (the subscription and any rebuild stopped before): the index
    // matches the views at the checkpoint, and the next start loads it instead of rebuilding it.
    try {
      if (this.models.checkpoint > 0 && !this.rebuildNeeded) this.models.saveIndexSnapshot(this.currentIndex);
    } catch (error) {
      this.logger.error(`index snapshot not saved (${(error as Error).message}); the next start rebuilds it from the table`);
    }
    this.models.close();
  }

  // ---- reads ----

  get checkpoint(): number {
    return this.models.checkpoint;
  }

  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  /** Resolves once the subscription has delivered everything stored (at start, after a rebuild). */
  whenCaughtUp(): Promise<void> {
    if (this.caughtUp) return Promise.resolve();
    return new Promise((resolve) => this.caughtUpWaiters.push(resolve));
  }

  get readModels(): ReadModels {
    return this.models;
  }

  get index(): TimelinessIndex {
    return this.currentIndex;
  }

  /**
   * Read-your-writes: resolves once the read models include `position`, or fails with
   * NOT_CAUGHT_UP (503) after `timeoutMs`.
   */
  waitFor(position: number | undefined, timeoutMs: number): Promise<void> {
    return this.waiters.waitFor(position, () => this.models.checkpoint, timeoutMs);
  }

  async status(): Promise<ProjectionStatus> {
    const head = (await this.store.headPosition()) ?? 0;
    const checkpoint = this.models.checkpoint;
    return {
      checkpoint,
      headPosition: head,
      lag: Math.max(0, head - checkpoint),
      caughtUp: this.caughtUp && checkpoint >= head,
      rebuild: {
        running: this.rebuildRun !== undefined,
        events: this.rebuildProgress.events,
        startedAt: this.rebuildProgress.startedAt,
        last: this.lastRebuild,
      },
      state: this.stoppedBecause === undefined ? 'running' : 'stopped',
      ...(this.stoppedBecause === undefined ? {} : { stoppedBecause: this.stoppedBecause }),
      ...(this.degraded === undefined ? {} : { degraded: this.degraded }),
      quarantined: this.quarantine(),
      readModels: this.seam.status(checkpoint),
    };
  }

  /**
   * A registered read model's queries, once it includes `minPosition` (503 NOT_CAUGHT_UP after
   * `timeoutMs`), and never while it is still being built from the log (503 as well).
   */
  async readModel<Q>(name: string, minPosition?: number, timeoutMs = 0): Promise<Q> {
    await this.waitFor(minPosition, timeoutMs);
    const at = this.seam.checkpointOf(name);
    if (at < this.models.checkpoint) {
      throw new AppError('NOT_CAUGHT_UP', `the ${name} read model is being built from the log (at position ${at} of ${this.models.checkpoint}); retry shortly`, undefined, {
        'Retry-After': '5',
      });
    }
    return this.seam.queries<Q>(name);
  }

  /** The events skipped because no view could take them (those of a rebuild under way not yet). */
  quarantine(): QuarantineSummary {
    return this.models.quarantine();
  }

  /** Why the live projection is stopped, or undefined while it runs (/health answers 503 meanwhile). */
  get stopped(): string | undefined {
    return this.stoppedBecause;
  }

  // ---- live subscription ----

  private subscribe(): void {
    if (this.stopping || this.swapping || this.subscription !== undefined) return;
    this.caughtUp = false;
    this.failedBatch = false;
    this.subscription = this.store.subscribeToAllData(
      {
        onEvents: (events) => this.project(events),
        onCaughtUp: (position) => {
          if (this.failedBatch) return;
          const first = !this.caughtUp;
          this.caughtUp = true;
          const skipped = position === undefined ? undefined : this.models.skipTo(position);
          if (skipped) this.commit(skipped, []);
          if (this.failedBatch) return;
          this.resumed();
          this.catchUpLater();
          if (!first) return;
          this.caughtUpWaiters.splice(0).forEach((resolve) => resolve());
          // The watcher (among others) waits for this to look at the model.
          this.changesSubject.next({ checkpoint: this.models.checkpoint, unitIds: new Set(), dossierIds: [] });
        },
        onError: (error) => this.recover(error),
      },
      { afterPosition: this.models.checkpoint },
    );
  }

  /** Folds a batch (reads of the views) and commits it with the registered read models; then the index and streams follow. */
  private project(events: LoggedEvent[]): undefined {
    if (this.failedBatch) return undefined; // the subscription is being restarted after the checkpoint
    this.commit(this.models.fold(events), events); // an event no view takes is quarantined there, not thrown
    return undefined;
  }

  /** Commits a folded batch and the registered read models' share of it in one transaction. */
  private commit({ rows, quarantined, ...batch }: FoldedBatch, events: readonly LoggedEvent[]): void {
    const from = this.models.checkpoint;
    let applied;
    try {
      applied = this.models.transaction(() => {
        this.models.commitRows(rows, batch.checkpoint, quarantined);
        return this.seam.applyLive(events, from, batch.checkpoint);
      });
    } catch (error) {
      this.recover(error as Error);
      return;
    }
    this.models.written(batch);
    this.seam.committed(applied);
    this.resumed();
    for (const q of quarantined) this.logger.error({ msg: 'event quarantined: the read models skip it', ...q });
    this.publish(batch);
    this.catchUpLater();
  }

  /**
   * A batch not committed, or the subscription stopped on an error: what was folded since the
   * last commit is forgotten, and the subscription restarts after the committed checkpoint. Not
   * while a rebuild swaps models: it replaces this one and its subscription anyway (and waits for
   * a recovery under way first).
   */
  private recover(error: Error): void {
    this.failedBatch = true;
    if (this.recovery !== undefined || this.swapping) return;
    this.caughtUp = false; // waiters wait for the subscription that follows
    // Logged once per stop (and once more if the cause changes), not at every retry.
    if (this.stoppedBecause !== error.message) {
      this.logger.error(`live projection stopped: ${error.message}; resubscribing from the stored checkpoint every ${RESUBSCRIBE_MS} ms`);
    }
    this.stoppedBecause = error.message;
    const subscription = this.subscription;
    this.subscription = undefined;
    this.recovery = (async () => {
      await subscription?.stop();
      this.models.forgetUnwritten();
    })()
      .catch((e: Error) => this.logger.error(`recovery of the live projection failed: ${e.message}`))
      .finally(() => {
        this.recovery = undefined;
        if (!this.stopping && !this.swapping) this.retryTimer = setTimeout(() => this.subscribe(), RESUBSCRIBE_MS);
      });
  }

  /** A batch committed or the subscription caught up: a stop is over. */
  private resumed(): void {
    if (this.stoppedBecause === undefined) return;
    this.logger.log({ msg: 'live projection resumed', after: this.stoppedBecause, checkpoint: this.models.checkpoint });
    this.stoppedBecause = undefined;
  }

  /** Set when the index could not be rebuilt from the table: a rebuild replaces both. */
  private rebuildNeeded = false;

  /** After a commit: the index follows the table, then waiters and live streams hear of it. */
  private publish(batch: AppliedBatch): void {
    const unitIds = new Set<string>();
    let earliestRunningDue: number | undefined;
    for (const { after } of batch.changes) {
      unitIds.add(after.unitId);
      const running = after.status === 'received' && !after.overdueMarked;
      if (running && (earliestRunningDue === undefined || after.dueAt < earliestRunningDue)) earliestRunningDue = after.dueAt;
    }
    try {
      for (const { before, after } of batch.changes) this.currentIndex.replace(before, after);
    } catch (error) {
      // Cannot happen with a consistent index; if it does, the table is the truth.
      this.logger.error(`index update failed (${(error as Error).message}); rebuilding the index from the table`);
      try {
        this.currentIndex = this.models.buildIndex();
      } catch (again) {
        // Not even the table gives an index (a file of an older version holding a view no index
        // takes): the log is the truth. Reports stay as they were until the rebuild swaps in.
        this.degraded = `the report index could not be rebuilt from the table (${(again as Error).message}); rebuilding the read models`;
        this.logger.error({ msg: 'report index not rebuilt from the table; rebuilding the read models', error: (again as Error).message });
        this.rebuildNeeded = true;
        void this.rebuild().catch((e: Error) => this.stopping || this.logger.error(`rebuild failed: ${e.message}`));
      }
    }
    this.settle();
    if (batch.changes.length > 0) {
      const change: ProjectionChange = { checkpoint: batch.checkpoint, unitIds, dossierIds: batch.changes.map((c) => c.after.dossierId) };
      if (earliestRunningDue !== undefined) change.earliestRunningDue = earliestRunningDue;
      this.changesSubject.next(change);
    }
  }

  private settle(): void {
    this.waiters.settle(this.models.checkpoint);
  }

  // ---- rebuild ----

  /** Starts a rebuild (or joins the one running); resolves when the rebuilt model is in place. */
  rebuild(): Promise<RebuildReport> {
    if (this.stopping) return Promise.reject(new AppError('UNAVAILABLE', 'the service is shutting down'));
    this.rebuildRun ??= this.runRebuild().finally(() => (this.rebuildRun = undefined));
    return this.rebuildRun;
  }

  private async runRebuild(): Promise<RebuildReport> {
    const started = Date.now();
    this.rebuildProgress = { events: 0, startedAt: new Date(started).toISOString() };
    this.rebuildQuarantined = [];
    let fresh: ReadModels | undefined;
    const replay = replayIntoFreshFile({
      store: this.store,
      file: join(this.config.dataDir, 'read-models.rebuild.db'),
      workers: this.workers,
      rollUps: this.currentIndex.rollUpList(),
      readModelSet: (models) => this.readModelSet(models),
      stopping: () => this.stopping,
      progress: (events) => (this.rebuildProgress.events += events),
      quarantined: (events) => this.noteQuarantined(events),
      logger: this.logger,
    });
    try {
      // 1. Replayed into a fresh file while the live model keeps answering (rebuild/).
      const built = await replay.done;
      fresh = built.models;
      fresh.recordQuarantined(this.rebuildQuarantined);
      // 2. Pause the live model (once any recovery under way is over), catch the fresh one up with
      //    the index maintained, swap.
      this.swapping = true;
      clearTimeout(this.retryTimer);
      await this.recovery;
      await this.subscription?.stop();
      this.subscription = undefined;
      await this.catchUpFresh(built);
      await this.catchingUp;
      this.models.close();
      fresh.moveTo(this.file);
      this.models = fresh;
      this.currentIndex = built.index;
      // The registered read models, rebuilt with the rest, on the reopened connection.
      this.attachSeam();
      // The rebuilt file is in place: whatever the start had to make do with is over.
      this.rebuildNeeded = false;
      this.inMemory = false;
      this.degraded = undefined;
      this.settle();
      this.changesSubject.next({ checkpoint: fresh.checkpoint, unitIds: 'all', dossierIds: [] });
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
      this.logger.log({ msg: 'read models rebuilt', ...this.lastRebuild });
      return this.lastRebuild;
    } catch (error) {
      if (fresh === undefined) await replay.discard();
      else if (this.models !== fresh) fresh.discard();
      // The swap failed after the live model was closed (its file could not be replaced): open one again.
      if (!this.models.isOpen) this.reopenAfterFailedSwap(error as Error);
      throw error;
    } finally {
      // The live subscription resumes after the model in place, rebuilt or not.
      this.swapping = false;
      if (!this.stopping && this.subscription === undefined) this.subscribe();
    }
  }

  /** The events appended since the fresh file's replay, into it, its read models and its index (the live subscription is paused). */
  private async catchUpFresh({ models, index, seam }: FreshFile): Promise<void> {
    for (;;) {
      const page = await this.store.readAllData({ afterPosition: models.checkpoint, maxCount: REBUILD_PAGE });
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
    try {
      this.load();
      this.attachSeam();
    } catch {
      this.models = ReadModels.open(':memory:');
      this.inMemory = true;
      this.currentIndex = new TimelinessIndex();
      this.attachSeam();
      this.degraded = `the read-model file cannot be replaced (${error.message}); kept in memory until a rebuild succeeds`;
      this.logger.error({ msg: 'read models kept in memory', error: error.message });
    }
    this.changesSubject.next({ checkpoint: this.models.checkpoint, unitIds: 'all', dossierIds: [] });
  }

  /** A rebuild's quarantined events: kept for the fresh file, and logged unless the live model knows them already. */
  private noteQuarantined(events: readonly QuarantinedEvent[]): void {
    for (const q of events) {
      this.rebuildQuarantined.push(q);
      if (!this.models.isQuarantined(q.position)) this.logger.error({ msg: 'event quarantined by the rebuild: the read models skip it', ...q });
    }
  }

  // ---- registered read models being built ----

  /** Builds the registered read models that are behind from the log, a page at a time, beside the live batches. */
  private catchUpLater(): void {
    if (this.catchingUp !== undefined || this.stopping || this.swapping || this.seam.behind(this.models.checkpoint).length === 0) return;
    this.catchingUp = this.catchUp()
      .catch((error: Error) => {
        if (!this.stopping) this.logger.error(`building read models from the log failed: ${error.message}; tried again after the next batch`);
      })
      .finally(() => (this.catchingUp = undefined));
  }

  private async catchUp(): Promise<void> {
    const seam = this.seam;
    const behind = seam.behind(this.models.checkpoint);
    const started = Date.now();
    this.logger.log({ msg: 'building read models from the log', readModels: behind, upTo: this.models.checkpoint });
    await buildFromLog(this.store, seam, () => this.models.checkpoint, () => this.stopping || this.swapping || this.seam !== seam);
    if (this.seam === seam && seam.behind(this.models.checkpoint).length === 0) {
      this.logger.log({ msg: 'read models built from the log', readModels: behind, ms: Date.now() - started });
    }
  }
}

/** The bundled calendar, for a projector set up without the catalog's (tests). */
let bundled: ReturnType<typeof compileCalendar> | undefined;
function defaultCalendar() {
  return (bundled ??= compileCalendar(loadDefaultCalendarSpec()));
}
