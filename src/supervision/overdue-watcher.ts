/**
 * The overdue watcher: appends DossierBecameOverdue (through the MarkOverdue command) when the due
 * instant of an open, running dossier passes, with no integrator involved.
 *
 * Driven by the read model: one timer armed for the earliest due instant among open, running,
 * unmarked dossiers, re-armed after a projected batch that brings one due before it (a reception
 * or a supplement; a resolution only makes the timer early, and an early check re-arms it). A check marks every dossier whose due is before now, so the
 * first check after start-up (once the projector has caught up) marks those that fell due while
 * the service was down. Several instances may mark the same dossier at the same time: the command
 * appends with the dossier's expected revision and is a no-op for a dossier already marked, so
 * exactly one event is written.
 */
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Subscription } from 'rxjs';
import { CLOCK, type Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { MarkOverdue, type MarkOverdueResult } from '../dossier/mark-overdue/mark-overdue.command.js';
import { type ProjectionChange, Projector } from '../projections/projector.js';

/** setTimeout's ceiling is ~24.8 days; far dues are re-examined hourly instead. */
const MAX_TIMER_MS = 3_600_000;
/** After a failed command, the dossier is tried again no sooner than this. */
const RETRY_MS = 5_000;
const CONCURRENCY = 8;

export interface WatcherStatus {
  armedFor: string | null;
  marked: number;
  skipped: number;
  failed: number;
}

@Injectable()
export class OverdueWatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OverdueWatcher');
  private timer: NodeJS.Timeout | undefined;
  private armedFor: number | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private changes: Subscription | undefined;
  /** Dossiers already sent for their due instant (the read model shows the mark a moment later). */
  private readonly attempted = new Map<string, { dueAt: number; retryAfter: number }>();
  private readonly counts = { marked: 0, skipped: 0, failed: 0 };

  constructor(
    private readonly projector: Projector,
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.overdueWatcher) {
      this.stopped = true;
      return;
    }
    this.changes = this.projector.changes$.subscribe((change) => {
      for (const id of change.dossierIds) this.attempted.delete(id);
      if (this.mayWait(change)) return;
      void this.check();
    });
    void this.check();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.changes?.unsubscribe();
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * A batch of changes that needs no pass now: none of its dossiers is running towards a due
   * instant before the one the timer is armed for (a dossier that stopped running or was
   * resolved only makes the timer early, and an early pass finds nothing and re-arms). Under a
   * stream of commands this spares two queries of the read model per batch. A pass under way may
   * have armed the timer before this batch was committed: then a pass follows anyway.
   */
  private mayWait(change: ProjectionChange): boolean {
    if (change.unitIds === 'all' || change.dossierIds.length === 0 || this.running !== undefined) return false;
    const due = change.earliestRunningDue;
    if (due === undefined) return true;
    return this.armedFor !== undefined && due + 1 >= this.armedFor && due >= this.clock.now().getTime();
  }

  status(): WatcherStatus {
    return { armedFor: this.armedFor === undefined ? null : new Date(this.armedFor).toISOString(), ...this.counts };
  }

  /**
   * Marks what is due, then re-arms the timer. Concurrent calls coalesce into one more pass.
   * Resolves when the pass (and the one it asked for) is over: tests await it.
   */
  check(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass()
      .catch((error: Error) => this.logger.error(`overdue check failed: ${error.message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.check();
        }
      });
    return this.running;
  }

  private async pass(): Promise<void> {
    // A stale read model would show dossiers as open that are not: wait for the first catch-up.
    if (!this.projector.isCaughtUp) return;
    const now = this.clock.now();
    const nowMs = now.getTime();
    for (;;) {
      const due = this.projector.dossiers
        .dueBefore(nowMs, this.attempted.size + 500)
        .filter((d) => {
          const a = this.attempted.get(d.dossierId);
          return a === undefined || a.dueAt !== d.dueAt || a.retryAfter <= nowMs;
        });
      if (due.length === 0 || this.stopped) break;
      await pool(due, CONCURRENCY, (d) => this.mark(d.dossierId, d.dueAt, now));
    }
    this.arm(nowMs);
  }

  private async mark(dossierId: string, dueAt: number, now: Date): Promise<void> {
    this.attempted.set(dossierId, { dueAt, retryAfter: Number.POSITIVE_INFINITY });
    try {
      const result: MarkOverdueResult = await this.commandBus.execute(new MarkOverdue(dossierId, now));
      if (result.appended) this.counts.marked++;
      else this.counts.skipped++;
    } catch (error) {
      this.counts.failed++;
      this.attempted.set(dossierId, { dueAt, retryAfter: now.getTime() + RETRY_MS });
      this.logger.warn(`could not mark ${dossierId} overdue: ${(error as Error).message}`);
    }
  }

  private arm(nowMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const next = this.projector.dossiers.nextDueAtOrAfter(nowMs);
    let retry = Number.POSITIVE_INFINITY;
    for (const a of this.attempted.values()) retry = Math.min(retry, a.retryAfter);
    // Overdue once the due instant has passed: one millisecond after it.
    const at = Math.min(next === undefined ? Number.POSITIVE_INFINITY : next + 1, retry);
    this.armedFor = Number.isFinite(at) ? at : undefined;
    const delay = Number.isFinite(at) ? Math.min(Math.max(0, at - nowMs), MAX_TIMER_MS) : MAX_TIMER_MS;
    this.timer = setTimeout(() => void this.check(), delay);
    this.timer.unref();
  }
}

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
