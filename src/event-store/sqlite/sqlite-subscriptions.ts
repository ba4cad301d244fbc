import { EventEmitter } from 'node:events';
import type { LoggedEvent, SubscribeOptions, Subscription, SubscriptionHandler } from '../event-store.port.js';
import type { LogBounds, ScannedPage, SqliteReads } from './sqlite-reads.js';
import { type LogRead, SqliteSubscription } from './sqlite-subscription.js';

/**
 * How many of its last committed events (at least; at most twice as many) the store keeps for live
 * subscriptions to the log's data (the projector's, see liveTail). Under HTTP load such a
 * subscription reads every 25 ms, 150-250 events at a time; one further behind reads the file
 * until it is this close again. Kept small so that the events die young, as parsed ones did.
 */
const LIVE_TAIL_EVENTS = 1024;

/**
 * The SQLite store's subscriptions: started on the store's reads, woken when a commit becomes
 * readable, stopped at close; and the tail of the last commits that live data subscriptions read
 * instead of the file.
 */
export class SqliteSubscriptions {
  /** Where the reads of live data subscriptions were answered from: counts, for tests and diagnostics. */
  readonly liveReads = { memory: 0, file: 0 };
  private readonly appended = new EventEmitter();
  private readonly subscriptions = new Set<SqliteSubscription<LoggedEvent>>();
  /** The events this store committed last, in position order without gaps (see liveTail). */
  private tail: LoggedEvent[] = [];

  constructor(
    private readonly reads: SqliteReads,
    private readonly bounds: LogBounds,
  ) {
    this.appended.setMaxListeners(0);
  }

  subscribeToAll(handler: SubscriptionHandler, options: SubscribeOptions = {}): Subscription {
    return this.subscribe((after, max, prefixes) => this.reads.readAllSync(after, max, prefixes), handler, options);
  }

  subscribeToAllData(handler: SubscriptionHandler<LoggedEvent>, options: SubscribeOptions = {}): Subscription {
    return this.subscribe(
      (after, max, prefixes) => {
        const fromMemory = prefixes === undefined ? this.liveTail(after, max) : undefined;
        if (fromMemory) this.liveReads.memory++;
        else this.liveReads.file++;
        return fromMemory ?? this.reads.readDataSync(after, max, prefixes);
      },
      handler,
      options,
    );
  }

  /** Keeps the events of a commit (in position order) for the live reads. */
  extendTail(events: LoggedEvent[]): void {
    if (events.length === 0) return;
    const last = this.tail.length > 0 ? this.tail[this.tail.length - 1].position : undefined;
    if (last === undefined || events[0].position !== last + 1) this.tail = [];
    for (const e of events) this.tail.push(e);
    if (this.tail.length > 2 * LIVE_TAIL_EVENTS) this.tail = this.tail.slice(-LIVE_TAIL_EVENTS);
  }

  /** Wakes the subscriptions: more of the log is readable. */
  notify(): void {
    this.appended.emit('appended');
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }

  /**
   * What a read of the file (`readDataSync`) would answer for a live subscription, taken
   * from the events this store committed last when they cover the range; undefined otherwise.
   * The events carry the data objects their appenders passed (JSON values that neither side
   * changes, as the port asks), so that the projector does not read back from the file and parse
   * what was serialised a moment before, on the command thread.
   */
  private liveTail(after: number, maxCount: number): ScannedPage<LoggedEvent> | undefined {
    if (this.tail.length === 0) return undefined;
    const upTo = this.bounds.readableTo();
    if (upTo <= after || maxCount <= 0) return { events: [], scannedTo: after };
    const first = this.tail[0].position;
    if (after + 1 < first || upTo > this.tail[this.tail.length - 1].position) return undefined;
    const to = Math.min(upTo, after + maxCount);
    return { events: this.tail.slice(after + 1 - first, to + 1 - first), scannedTo: to };
  }

  private subscribe<E extends LoggedEvent>(read: LogRead<E>, handler: SubscriptionHandler<E>, options: SubscribeOptions): Subscription {
    this.bounds.assertOpen();
    const sub: SqliteSubscription<E> = new SqliteSubscription(read, this.appended, handler, options, () => this.subscriptions.delete(sub));
    this.subscriptions.add(sub);
    sub.start();
    return sub;
  }
}
