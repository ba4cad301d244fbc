/**
 * The projector: a catch-up subscription over the whole log feeding the read models, and the one
 * facade the rest of the service uses (queries, status, rebuild, changes$). Its parts:
 *
 * - the model in place: read-model file, report index and registered read models (model-in-place.ts);
 * - the live subscription and its exactly-once commits (live-projection.ts);
 * - registered read models that are new or whose version changed, built from the log beside the
 *   live batches, answering once caught up (registered-catch-up.ts);
 * - the rebuild: a fresh file replayed while queries keep reading the live model, then swapped
 *   in with the subscription paused (rebuild/).
 *
 * No read model stops the projector (issue 21): an event no view can take is quarantined and
 * skipped (quarantine.ts), and a read-model file that cannot be loaded at start is rebuilt.
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
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import type { WorkerMode } from '../common/worker-channel.js';
import { LiveProjection } from './live/live-projection.js';
import { ModelInPlace } from './model-in-place.js';
import { PositionWaiters } from './live/position-waiters.js';
import { type ProjectionChange, type ProjectionStatus, READ_MODEL_SETUP, type RebuildReport, type ReadModelSetup } from './projection-status.js';
import type { QuarantineSummary } from './quarantine.js';
import { ReadModels } from './read-models.js';
import { Rebuilder } from './rebuild/rebuilder.js';
import { REBUILD_WORKER } from './rebuild/rebuild-writer.js';
import { RegisteredCatchUp } from './live/registered-catch-up.js';
import { TimelinessIndex } from './report-index/timeliness-index.js';
import { DOSSIER_VIEWS, type DossierQueries } from './views/dossier-views.read-model.js';

export { READ_MODEL_SETUP, type ProjectionChange, type ProjectionStatus, type RebuildReport, type ReadModelSetup } from './projection-status.js';

@Injectable()
export class Projector implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private readonly place: ModelInPlace;
  private readonly live: LiveProjection;
  private readonly catchUp: RegisteredCatchUp;
  private readonly rebuilder: Rebuilder;
  private stopping = false;
  private readonly waiters = new PositionWaiters();
  private readonly changesSubject = new Subject<ProjectionChange>();
  /** Emits after each committed batch (and after a rebuild swap); completes at shutdown. */
  readonly changes$ = this.changesSubject.asObservable();
  private readonly shutdownSubject = new Subject<void>();
  /** Emits once when the application starts shutting down: live streams end on it. */
  readonly shutdown$ = this.shutdownSubject.asObservable();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) config: AppConfig,
    /** Whether the rebuild's writer runs in a worker thread. */
    @Optional() @Inject(REBUILD_WORKER) workers: WorkerMode = 'auto',
    /** The registered read models (none when absent, as in tests of the dossier views alone). */
    @Optional() @Inject(READ_MODEL_SETUP) setup: ReadModelSetup = { models: [], context: { calendar: defaultCalendar } },
  ) {
    const place = new ModelInPlace(join(config.dataDir, 'read-models.db'), setup, this.logger, () => {
      void this.rebuild().catch((e: Error) => this.stopping || this.logger.error(`rebuild failed: ${e.message}`));
    });
    const shared = {
      store,
      place,
      logger: this.logger,
      stopping: () => this.stopping,
      settle: () => this.waiters.settle(place.models.checkpoint),
      changed: (change: ProjectionChange) => this.changesSubject.next(change),
    };
    this.place = place;
    this.catchUp = new RegisteredCatchUp(shared, () => this.live.paused);
    this.live = new LiveProjection(shared, this.catchUp);
    this.rebuilder = new Rebuilder(shared, this.live, this.catchUp, { file: join(config.dataDir, 'read-models.rebuild.db'), workers });
  }

  onModuleInit(): void {
    const place = this.place;
    try {
      place.load();
    } catch (error) {
      // The read models are derived: a file that cannot be opened or loaded never stops the start.
      place.models?.close();
      place.degraded = `the read models could not be loaded (${(error as Error).message}); rebuilt from the log`;
      this.logger.error({ msg: 'read models not loaded; rebuilding them from the log', error: (error as Error).message });
      try {
        ReadModels.remove(place.file);
        place.models = ReadModels.open(place.file);
      } catch (again) {
        place.degraded = `the read-model file cannot be written (${(again as Error).message}); kept in memory until a rebuild succeeds`;
        this.logger.error({ msg: 'read models kept in memory', error: (again as Error).message });
        place.models = ReadModels.open(':memory:');
        place.inMemory = true;
      }
      place.index = new TimelinessIndex();
    }
    place.attachSeam();
    // A new (or emptied) file facing a long log: the bulk replay is several times faster than
    // following the log batch by batch; it subscribes when done.
    if (place.models.checkpoint === 0) {
      void this.rebuild().catch((e: Error) => this.stopping || this.logger.error(`initial build failed: ${e.message}`));
    }
    else this.live.subscribe();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.shutdownSubject.next();
    this.shutdownSubject.complete();
    await this.rebuilder.settled();
    await this.catchUp.running;
    await this.live.stop();
    this.changesSubject.complete();
  }

  onApplicationShutdown(): void {
    const { models, index, rebuildNeeded } = this.place;
    // Nothing is applied any more (the subscription and any rebuild stopped before): the index
    // matches the views at the checkpoint, and the next start loads it instead of rebuilding it.
    try {
      if (models.checkpoint > 0 && !rebuildNeeded) models.saveIndexSnapshot(index);
    } catch (error) {
      this.logger.error(`index snapshot not saved (${(error as Error).message}); the next start rebuilds it from the table`);
    }
    models.close();
  }

  // ---- reads ----

  get checkpoint(): number {
    return this.place.models.checkpoint;
  }

  get isCaughtUp(): boolean {
    return this.live.isCaughtUp;
  }

  /** Resolves once the subscription has delivered everything stored (at start, after a rebuild). */
  whenCaughtUp(): Promise<void> {
    return this.live.whenCaughtUp();
  }

  /** The dossier views' file (as-of reports read its deltas; tests compare it). */
  get readModels(): ReadModels {
    return this.place.models;
  }

  /** The dossier views' queries, as they are now (readModel('dossiers') waits for a position first). */
  get dossiers(): DossierQueries {
    return this.place.views.queries;
  }

  /**
   * Read-your-writes: resolves once the read models include `position`, or fails with
   * NOT_CAUGHT_UP (503) after `timeoutMs`.
   */
  waitFor(position: number | undefined, timeoutMs: number): Promise<void> {
    return this.waiters.waitFor(position, () => this.place.models.checkpoint, timeoutMs);
  }

  async status(): Promise<ProjectionStatus> {
    const head = (await this.store.headPosition()) ?? 0;
    const checkpoint = this.place.models.checkpoint;
    const stoppedBecause = this.live.stopped;
    const degraded = this.place.degraded;
    const caughtUp = this.live.isCaughtUp && checkpoint >= head;
    const quarantined = this.quarantine();
    return {
      checkpoint,
      headPosition: head,
      lag: Math.max(0, head - checkpoint),
      caughtUp,
      rebuild: this.rebuilder.status(),
      state: stoppedBecause === undefined ? 'running' : 'stopped',
      ...(stoppedBecause === undefined ? {} : { stoppedBecause }),
      ...(degraded === undefined ? {} : { degraded }),
      quarantined,
      readModels: [
        // The projector's own checkpoint and quarantine: theirs.
        { name: DOSSIER_VIEWS.name, version: DOSSIER_VIEWS.version, checkpoint, caughtUp, quarantined: quarantined.count },
        ...this.place.seam.status(checkpoint),
      ],
    };
  }

  /**
   * A read model's queries ('dossiers', or a registered one), once it includes `minPosition` (503
   * NOT_CAUGHT_UP after `timeoutMs`), and never while it is still being built from the log (503 as well).
   */
  async readModel<Q>(name: string, minPosition?: number, timeoutMs = 0): Promise<Q> {
    await this.waitFor(minPosition, timeoutMs);
    if (name === DOSSIER_VIEWS.name) return this.place.views.queries as Q;
    const { models, seam } = this.place;
    const at = seam.checkpointOf(name);
    if (at < models.checkpoint) {
      throw new AppError('NOT_CAUGHT_UP', `the ${name} read model is being built from the log (at position ${at} of ${models.checkpoint}); retry shortly`, undefined, {
        'Retry-After': '5',
      });
    }
    return seam.queries<Q>(name);
  }

  /** The events skipped because no view could take them (those of a rebuild under way not yet). */
  quarantine(): QuarantineSummary {
    return this.place.models.quarantine();
  }

  /** Why the live projection is stopped, or undefined while it runs (/health answers 503 meanwhile). */
  get stopped(): string | undefined {
    return this.live.stopped;
  }

  /** Starts a rebuild (or joins the one running); resolves when the rebuilt model is in place. */
  rebuild(): Promise<RebuildReport> {
    return this.rebuilder.start();
  }
}

/** The bundled calendar, for a projector set up without the catalog's (tests). */
let bundled: ReturnType<typeof compileCalendar> | undefined;
function defaultCalendar() {
  return (bundled ??= compileCalendar(loadDefaultCalendarSpec()));
}
