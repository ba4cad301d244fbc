/**
 * The live projection: a catch-up subscription over the whole log feeding the model in place.
 *
 * - Exactly once: each delivered batch is committed with its checkpoint in one SQLite transaction,
 *   together with the registered read models of the seam (seam/, registry.ts), each with its own
 *   checkpoint; the subscription restarts after the stored checkpoint, and anything at or before
 *   it is skipped.
 * - The subscription is NOT filtered by stream prefix, so that the checkpoint moves past every
 *   position, projected or not: a `minPosition` returned by a catalog write is reached too.
 * - The report index is updated from each committed batch.
 * - A batch that fails stops nothing for good: its transaction rolls back and the subscription
 *   restarts after the checkpoint; an event no view can take is quarantined and skipped (quarantine.ts).
 */
import type { LoggedEvent, Subscription } from '../../event-store/event-store.port.js';
import type { ProjectorShared } from '../model-in-place.js';
import type { ProjectionChange } from '../projection-status.js';
import type { AppliedBatch } from '../read-models.js';
import type { RegisteredCatchUp } from './registered-catch-up.js';

const RESUBSCRIBE_MS = 1000;

export class LiveProjection {
  private subscription: Subscription | undefined;
  private caughtUp = false;
  private caughtUpWaiters: (() => void)[] = [];
  /** Set by a failed batch: what the subscription still delivers is ignored until it restarts. */
  private failedBatch = false;
  /** A failed live batch being recovered from (see recover). */
  private recovery: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** A rebuild is replacing the live model, its writer and its subscription (between pause and resume). */
  private swapping = false;
  /** Why the live projection is stopped (a failed batch, no success since); undefined while it runs. */
  private stoppedBecause: string | undefined;

  constructor(
    private readonly shared: ProjectorShared,
    private readonly catchUp: RegisteredCatchUp,
  ) {}

  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  /** Resolves once the subscription has delivered everything stored (at start, after a rebuild). */
  whenCaughtUp(): Promise<void> {
    if (this.caughtUp) return Promise.resolve();
    return new Promise((resolve) => this.caughtUpWaiters.push(resolve));
  }

  get stopped(): string | undefined {
    return this.stoppedBecause;
  }

  get paused(): boolean {
    return this.swapping;
  }

  subscribe(): void {
    const { place } = this.shared;
    if (this.shared.stopping() || this.swapping || this.subscription !== undefined) return;
    this.caughtUp = false;
    this.failedBatch = false;
    this.subscription = this.shared.store.subscribeToAllData(
      {
        onEvents: (events) => this.project(events),
        onCaughtUp: (position) => {
          if (this.failedBatch) return;
          const first = !this.caughtUp;
          this.caughtUp = true;
          if (position !== undefined) this.commit([], position);
          if (this.failedBatch) return;
          this.resumed();
          this.catchUp.later();
          if (!first) return;
          this.caughtUpWaiters.splice(0).forEach((resolve) => resolve());
          // The watcher (among others) waits for this to look at the model.
          this.shared.changed({ checkpoint: place.models.checkpoint, unitIds: new Set(), dossierIds: [] });
        },
        onError: (error) => this.recover(error),
      },
      { afterPosition: place.models.checkpoint },
    );
  }

  /** A rebuild swaps models: the subscription stops (once any recovery under way is over) until `resume`. */
  async pause(): Promise<void> {
    this.swapping = true;
    clearTimeout(this.retryTimer);
    await this.recovery;
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /** After a rebuild, swapped or not: the subscription resumes after the model in place. */
  resume(): void {
    this.swapping = false;
    this.subscribe();
  }

  /** At shutdown (stopping is set): no retry, the recovery under way ends, the subscription stops. */
  async stop(): Promise<void> {
    clearTimeout(this.retryTimer);
    await this.recovery;
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /** Applies a batch to the dossier views and the registered read models, in one transaction. */
  private project(events: LoggedEvent[]): undefined {
    if (this.failedBatch) return undefined; // the subscription is being restarted after the checkpoint
    this.commit(events); // an event no view takes is quarantined there, not thrown
    return undefined;
  }

  /**
   * Every read model's share of a batch in one transaction with the checkpoint; `upTo`, with no
   * events: the checkpoint moves past positions with nothing to project. Then the index and streams follow.
   */
  private commit(events: readonly LoggedEvent[], upTo?: number): void {
    const { models, seam, views } = this.shared.place;
    const from = models.checkpoint;
    let applied;
    try {
      applied = models.transaction(() => {
        const to = views.applyUpTo(events, upTo);
        return to === undefined ? undefined : seam.applyLive(events, from, to);
      });
    } catch (error) {
      this.recover(error as Error);
      return;
    }
    if (applied === undefined) return;
    const batch = views.committed();
    seam.committed(applied);
    this.resumed();
    for (const q of batch.quarantined) this.shared.logger.error({ msg: 'event quarantined: the read models skip it', ...q });
    this.publish(batch);
    this.catchUp.later();
  }

  /**
   * A batch not committed (its transaction rolled back), or the subscription stopped on an error:
   * the subscription restarts after the committed checkpoint. Not
   * while a rebuild swaps models: it replaces this one and its subscription anyway (and waits for
   * a recovery under way first).
   */
  private recover(error: Error): void {
    const { logger } = this.shared;
    this.failedBatch = true;
    if (this.recovery !== undefined || this.swapping) return;
    this.caughtUp = false; // waiters wait for the subscription that follows
    // Logged once per stop (and once more if the cause changes), not at every retry.
    if (this.stoppedBecause !== error.message) {
      logger.error(`live projection stopped: ${error.message}; resubscribing from the stored checkpoint every ${RESUBSCRIBE_MS} ms`);
    }
    this.stoppedBecause = error.message;
    const subscription = this.subscription;
    this.subscription = undefined;
    this.recovery = Promise.resolve(subscription?.stop())
      .catch((e: Error) => logger.error(`recovery of the live projection failed: ${e.message}`))
      .finally(() => {
        this.recovery = undefined;
        if (!this.shared.stopping() && !this.swapping) this.retryTimer = setTimeout(() => this.subscribe(), RESUBSCRIBE_MS);
      });
  }

  /** A batch committed or the subscription caught up: a stop is over. */
  private resumed(): void {
    if (this.stoppedBecause === undefined) return;
    this.shared.logger.log({ msg: 'live projection resumed', after: this.stoppedBecause, checkpoint: this.shared.place.models.checkpoint });
    this.stoppedBecause = undefined;
  }

  /** After a commit (the index followed it): waiters and live streams hear of it. */
  private publish(batch: AppliedBatch): void {
    const unitIds = new Set<string>();
    let earliestRunningDue: number | undefined;
    for (const { after } of batch.changes) {
      unitIds.add(after.unitId);
      const running = after.status === 'received' && !after.overdueMarked;
      if (running && (earliestRunningDue === undefined || after.dueAt < earliestRunningDue)) earliestRunningDue = after.dueAt;
    }
    this.shared.settle();
    if (batch.changes.length > 0) {
      const change: ProjectionChange = { checkpoint: batch.checkpoint, unitIds, dossierIds: batch.changes.map((c) => c.after.dossierId) };
      if (earliestRunningDue !== undefined) change.earliestRunningDue = earliestRunningDue;
      this.shared.changed(change);
    }
  }
}
