/**
 * The indexes of as-of answers: the log replayed as known at an instant (replay.ts), sharing the
 * thread with other requests. At most AS_OF_CONCURRENCY replays run at once (429 AS_OF_LIMITED
 * beyond, with Retry-After); the last few indexes of settled instants are kept.
 */
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { AppError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { replayIndexAsOf } from '../projections/replay.js';
import type { TimelinessIndex } from '../projections/timeliness-index.js';

/**
 * An instant this far behind the service's clock gains no event: recordedAt is that clock, read
 * when the command is decided, and a command takes far less than this from decision to append.
 */
export const SETTLED_MS = 60_000;
/** Indexes kept (each holds the whole history as known then: kept few, for memory). */
export const CACHED_INDEXES = 2;

@Injectable()
export class AsOfIndexes {
  private running = 0;
  /** Settled instants, oldest use first; a replay under way is shared by whoever asks the same instant. */
  private readonly cache = new Map<number, Promise<TimelinessIndex>>();
  /** How long the last replay took: what Retry-After says. */
  private lastMs = 1000;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Replays under way now. */
  get inProgress(): number {
    return this.running;
  }

  /** The index of the events recorded at or before `asOf`, or 429 when as many replays run as allowed. */
  index(asOf: number): Promise<TimelinessIndex> {
    // One SQLite service is the log's only writer; with EventStoreDB several instances append, each
    // by its own clock, so no instant is known settled and nothing is kept.
    const settled = this.config.eventStore === 'sqlite' && asOf <= this.clock.now().getTime() - SETTLED_MS;
    const kept = settled ? this.cache.get(asOf) : undefined;
    if (kept !== undefined) {
      this.cache.delete(asOf);
      this.cache.set(asOf, kept);
      return kept;
    }
    const limit = this.config.asOfConcurrency;
    if (limit > 0 && this.running >= limit) {
      const seconds = Math.max(1, Math.ceil(this.lastMs / 1000));
      throw new AppError('AS_OF_LIMITED', `${this.running} as-of reports are being computed, the most the service computes at once; retry in ${seconds} s`, undefined, {
        'Retry-After': String(seconds),
      });
    }
    this.running++;
    const started = performance.now();
    const replay = replayIndexAsOf(this.store, asOf).finally(() => {
      this.running--;
      this.lastMs = performance.now() - started;
    });
    if (settled) {
      this.cache.set(asOf, replay);
      if (this.cache.size > CACHED_INDEXES) this.cache.delete(this.cache.keys().next().value!);
      replay.catch(() => {
        if (this.cache.get(asOf) === replay) this.cache.delete(asOf);
      });
    }
    return replay;
  }
}
