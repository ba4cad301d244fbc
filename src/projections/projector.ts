/**
 * The projector: a catch-up subscription over the whole log feeding the read models.
 *
 * - Exactly once: each delivered batch is committed with its checkpoint in one SQLite transaction
 *   (by the live writer, live-writer.ts, while the next batch is folded); the subscription restarts
 *   after the stored checkpoint, and anything at or before it is skipped.
 * - The subscription is NOT filtered by stream prefix, so that the checkpoint moves past every
 *   position, projected or not: a `minPosition` returned by a catalog write is reached too.
 * - The report index is updated from each committed batch. It is saved at a clean shutdown and
 *   loaded at start when the checkpoint has not moved since; otherwise it is rebuilt from the table.
 * - Rebuild: replays the log into a fresh file while queries keep reading the live model, then
 *   pauses the live subscription, catches the fresh model up, swaps files and index, and resumes.
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
import { setImmediate as yieldToQueries } from 'node:timers/promises';
import { Subject } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { AppError } from '../common/errors.js';
import { EVENT_STORE, type EventStore, type LoggedEvent, type RecordedEvent, type Subscription } from '../event-store/event-store.port.js';
import type { DossierView } from './dossier-view.js';
import { LIVE_WRITER_OPENER, openLiveWriter, type LiveWriter, type LiveWriterOpener } from './live-writer.js';
import type { QuarantinedEvent, QuarantineSummary } from './quarantine.js';
import { type AppliedBatch, type FoldedBatch, ReadModels } from './read-models.js';
import type { WorkerMode } from '../common/worker-channel.js';
import { openRebuildWriter, REBUILD_WORKER, type RebuildWriter } from './rebuild-writer.js';
import { TimelinessIndex } from './timeliness-index.js';
import { ViewFolder } from './view-folder.js';

/** What a committed batch changed: the checkpoint and the receiving units whose figures may differ. */
export interface ProjectionChange {
  checkpoint: number;
  /** Receiving units of the changed dossiers; `all` after a rebuild. */
  unitIds: ReadonlySet<string> | 'all';
  dossierIds: readonly string[];
  /**
   * A committed batch's earliest due instant among the changed dossiers now open and running, not
   * yet marked overdue (the overdue watcher's concern); absent when none is, and on other changes.
   */
  earliestRunningDue?: number;
}

export interface RebuildReport {
  events: number;
  position: number;
  durationMs: number;
  eventsPerSecond: number;
  finishedAt: string;
  /** Where the rows were written: a worker thread, or the main thread when no worker could start. */
  writer: 'worker' | 'main';
}

export interface ProjectionStatus {
  checkpoint: number;
  headPosition: number;
  lag: number;
  caughtUp: boolean;
  rebuild: { running: boolean; events: number; startedAt: string | null; last: RebuildReport | null };
  /** `stopped` while the live projection cannot go on (its last batch failed and none has passed since). */
  state: 'running' | 'stopped';
  /** Why, when stopped. */
  stoppedBecause?: string;
  /** Set when the service started without its read models as they were (rebuilt, or kept in memory). */
  degraded?: string;
  /** Events skipped because no view could take them. */
  quarantined: QuarantineSummary;
}

/**
 * Pages of the rebuild. A view is written once whatever the page (write-behind cache); small pages
 * hold the event loop (and queries) for a tenth of a second rather than half a second, and let the
 * writer's worker start early.
 */
const REBUILD_PAGE = 10_000;
const RESUBSCRIBE_MS = 1000;
/** Live batches the writer may fall behind by before the subscription waits for it. */
const MAX_UNCOMMITTED = 4;
const NOTHING_READ_BACK: ReadonlyMap<string, DossierView> = new Map();

@Injectable()
export class Projector implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private models!: ReadModels;
  private currentIndex!: TimelinessIndex;
  private subscription: Subscription | undefined;
  private caughtUp = false;
  private stopping = false;
  private waiters: { position: number; resolve(): void }[] = [];
  private caughtUpWaiters: (() => void)[] = [];
  private rebuildRun: Promise<RebuildReport> | undefined;
  private rebuildProgress = { events: 0, startedAt: null as string | null };
  private lastRebuild: RebuildReport | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Commits the live batches (live-writer.ts): opened by the first commit, closed before a swap. */
  private liveWriter: Promise<LiveWriter> | undefined;
  /** Settles once the last commit asked of the live writer has (batches and checkpoint moves alike). */
  private lastCommit: Promise<void> = Promise.resolve();
  /** Live batches sent to the writer and not yet committed. */
  private uncommitted = 0;
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
    /** Whether the rebuild's writer and the live writer run in worker threads. */
    @Optional() @Inject(REBUILD_WORKER) private readonly workers: WorkerMode = 'auto',
    /** How the live writer is opened (tests put stand-ins here); openLiveWriter by default. */
    @Optional() @Inject(LIVE_WRITER_OPENER) private readonly openWriter?: LiveWriterOpener,
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
    // A new (or emptied) file facing a long log: the bulk replay is several times faster than
    // following the log batch by batch; it subscribes when done.
    if (this.models.checkpoint === 0) {
      void this.rebuild().catch((e: Error) => this.stopping || this.logger.error(`initial build failed: ${e.message}`));
    }
    else this.subscribe();
  }

  private load(): void {
    this.models = ReadModels.open(this.file);
    const started = Date.now();
    const { index, source } = this.models.loadIndex();
    this.currentIndex = index;
    this.logger.log({ msg: 'report index loaded', source, checkpoint: this.models.checkpoint, ms: Date.now() - started });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.shutdownSubject.next();
    this.shutdownSubject.complete();
    clearTimeout(this.retryTimer);
    await this.rebuildRun?.catch(() => undefined);
    await this.recovery;
    await this.subscription?.stop();
    this.subscription = undefined;
    await this.closeLiveWriter();
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
    if (position === undefined || this.models.checkpoint >= position) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new AppError(
            'NOT_CAUGHT_UP',
            `the read models are at position ${this.models.checkpoint}, not yet at ${position}; retry shortly`,
            undefined,
            { 'Retry-After': '1' },
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
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
    };
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

  /** Where live batches are committed (live-writer.ts), once the first has been; undefined before. */
  async liveWriterThread(): Promise<'worker' | 'main' | undefined> {
    return (await this.liveWriter)?.thread;
  }

  private openedLiveWriter(): Promise<LiveWriter> {
    if (this.liveWriter !== undefined) return this.liveWriter;
    const opening = this.openWriter
      ? this.openWriter(this.models, this.file)
      : openLiveWriter(this.models, this.file, this.inMemory ? 'never' : this.workers);
    this.liveWriter = opening.then(({ writer, reason }) => {
      if (reason !== undefined) this.logger.log({ msg: 'live batches are written in the main thread', reason });
      return writer;
    });
    return this.liveWriter;
  }

  /** After the commits asked for so far; the next commit opens a new writer (on the model then in place). */
  private async closeLiveWriter(): Promise<void> {
    const writer = this.liveWriter;
    this.liveWriter = undefined;
    await this.lastCommit;
    await (await writer)?.close();
  }

  private subscribe(): void {
    if (this.stopping || this.swapping || this.subscription !== undefined) return;
    this.caughtUp = false;
    this.subscription = this.store.subscribeToAllData(
      {
        onEvents: (events) => this.project(events),
        onCaughtUp: (position) => {
          const first = !this.caughtUp;
          this.caughtUp = true;
          const skipped = position === undefined ? undefined : this.models.skipTo(position);
          if (skipped) this.commit(skipped);
          // A stop is over once everything delivered is committed (a failed commit recovers first).
          void this.lastCommit.then(() => this.caughtUp && this.recovery === undefined && this.resumed());
          if (!first) return;
          // After the commits of everything delivered so far.
          void this.lastCommit.then(() => {
            if (!this.caughtUp) return;
            this.caughtUpWaiters.splice(0).forEach((resolve) => resolve());
            // The watcher (among others) waits for this to look at the model.
            this.changesSubject.next({ checkpoint: this.models.checkpoint, unitIds: new Set(), dossierIds: [] });
          });
        },
        onError: (error) => this.recover(error),
      },
      { afterPosition: this.models.checkpoint },
    );
  }

  /**
   * Folds a batch here (reads of the views, then the report index) and has the live writer commit
   * its rows while the next batch is read; the subscription waits only when the writer falls
   * MAX_UNCOMMITTED batches behind.
   */
  private project(events: LoggedEvent[]): Promise<void> | undefined {
    this.commit(this.models.fold(events)); // an event no view takes is quarantined there, not thrown
    return this.uncommitted > MAX_UNCOMMITTED ? this.lastCommit : undefined;
  }

  /** Commits a folded batch after every one before it; then the index, waiters and streams follow. */
  private commit({ rows, quarantined, ...batch }: FoldedBatch): void {
    this.uncommitted += 1;
    const done = this.openedLiveWriter().then((writer) => writer.commit(rows, batch.checkpoint, quarantined));
    this.lastCommit = done.then(
      () => {
        this.uncommitted -= 1;
        this.models.written(batch);
        this.resumed();
        for (const q of quarantined) this.logger.error({ msg: 'event quarantined: the read models skip it', ...q });
        this.publish(batch);
      },
      (error: Error) => {
        this.uncommitted -= 1;
        this.recover(error);
      },
    );
  }

  /**
   * A batch not committed (the writer failed), or the subscription stopped on an error: the
   * batches folded since the last commit are forgotten, and the subscription restarts after the
   * committed checkpoint, with a new writer. Not while a rebuild swaps models: it replaces this
   * one, its writer and its subscription anyway (and waits for a recovery under way first).
   */
  private recover(error: Error): void {
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
      await this.closeLiveWriter().catch(() => undefined);
      // A batch committed whose answer never came (the worker died) is in the table, not in the
      // index: then the index is built again from the table.
      if (this.models.forgetUnwritten()) {
        this.currentIndex = this.models.buildIndex();
        this.settle();
        this.changesSubject.next({ checkpoint: this.models.checkpoint, unitIds: 'all', dossierIds: [] });
      }
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
    const checkpoint = this.models.checkpoint;
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.position <= checkpoint);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > checkpoint);
    for (const w of ready) w.resolve();
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
    // The worker starts while the first page is read.
    const opening = openRebuildWriter(join(this.config.dataDir, 'read-models.rebuild.db'), this.workers).then(({ writer, reason }) => {
      if (reason !== undefined) this.logger.log({ msg: 'rebuild writes in the main thread', reason });
      return writer;
    });
    let fresh: ReadModels | undefined;
    try {
      // 1. Bulk replay while the live model keeps answering: pages read and folded here, written
      //    and indexed by the writer (in a worker, at the same time as the next page is read).
      const folder = new ViewFolder();
      // Pages read ahead (by a worker of the SQLite store) while this thread folds one.
      for await (const page of this.store.readAllDataPages({ pageSize: REBUILD_PAGE, readAhead: this.workers !== 'never' })) {
        await this.replayPage(folder, page, opening);
        await yieldToQueries();
      }
      const writer = await opening;
      // The views still open, in pages too: the writer stores each while the next is encoded, and
      // no message holds all of them (some 170,000 at a million dossiers) at once.
      const open = folder.drain();
      for (let i = 0; i < open.length; i += REBUILD_PAGE) await writer.write(open.slice(i, i + REBUILD_PAGE), folder.checkpoint);
      if (open.length === 0) await writer.write([], folder.checkpoint);
      // The roll-ups queries asked for so far, built now rather than by the first query after the
      // swap, while the file's secondary indexes are created.
      const finished = await writer.finish((index) => {
        for (const r of this.currentIndex.rollUpList()) index.createRollUp(r.root, [...r.members]);
      });
      fresh = finished.models;
      const index = finished.index;
      fresh.recordQuarantined(this.rebuildQuarantined);
      // 2. Pause the live model (once any recovery under way is over), catch the fresh one up with
      //    the index maintained, swap.
      this.swapping = true;
      clearTimeout(this.retryTimer);
      await this.recovery;
      await this.subscription?.stop();
      this.subscription = undefined;
      for (;;) {
        const page = await this.store.readAllData({ afterPosition: fresh.checkpoint, maxCount: REBUILD_PAGE });
        if (page.length === 0) break;
        const batch = fresh.applyBatch(page);
        this.noteQuarantined(batch.quarantined);
        for (const { before, after } of batch.changes) index.replace(before, after);
        this.rebuildProgress.events += page.length;
      }
      await this.closeLiveWriter();
      this.models.close();
      fresh.moveTo(this.file);
      this.models = fresh;
      this.currentIndex = index;
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
        writer: (await opening).thread,
      };
      this.logger.log({ msg: 'read models rebuilt', ...this.lastRebuild });
      return this.lastRebuild;
    } catch (error) {
      if (fresh === undefined) await opening.then((writer) => writer.discard(), () => undefined);
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

  private reopenAfterFailedSwap(error: Error): void {
    try {
      this.load();
    } catch {
      this.models = ReadModels.open(':memory:');
      this.inMemory = true;
      this.currentIndex = new TimelinessIndex();
      this.degraded = `the read-model file cannot be replaced (${error.message}); kept in memory until a rebuild succeeds`;
      this.logger.error({ msg: 'read models kept in memory', error: error.message });
    }
    this.changesSubject.next({ checkpoint: this.models.checkpoint, unitIds: 'all', dossierIds: [] });
  }

  /** One page of the bulk replay. */
  private async replayPage(folder: ViewFolder, page: LoggedEvent[], opening: Promise<RebuildWriter>): Promise<void> {
    if (this.stopping) throw new AppError('UNAVAILABLE', 'rebuild abandoned: the service is shutting down');
    const missing = folder.missing(page);
    const folded = folder.fold(page, missing.length === 0 ? NOTHING_READ_BACK : await (await opening).readBack(missing));
    this.noteQuarantined(folded.quarantined);
    await (await opening).write(folded.writes, folded.checkpoint);
    this.rebuildProgress.events += page.length;
  }

  /** A rebuild's quarantined events: kept for the fresh file, and logged unless the live model knows them already. */
  private noteQuarantined(events: readonly QuarantinedEvent[]): void {
    for (const q of events) {
      this.rebuildQuarantined.push(q);
      if (!this.models.isQuarantined(q.position)) this.logger.error({ msg: 'event quarantined by the rebuild: the read models skip it', ...q });
    }
  }
}
