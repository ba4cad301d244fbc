import type { EventEmitter } from 'node:events';
import type { LoggedEvent, SubscribeOptions, Subscription, SubscriptionHandler } from '../event-store.port.js';

/** Reads up to `maxCount` events after `after`, and how far the log was examined. */
export type LogRead<E> = (after: number, maxCount: number, prefixes?: string[]) => { events: E[]; scannedTo: number };

const PAGE = 1000;
/** Safety net: re-read the log now and then even without a notification (another process may write). */
const POLL_MS = 1000;
/**
 * Under a stream of commits, reads of the log start at least this far apart, so that each handler
 * call (a read-model transaction, for the projector) covers several group commits instead of one,
 * and a filtered subscription (the catalog's) does not query the log after every commit, which
 * costs less CPU per command under load. A subscription idle for longer is
 * woken at once, so this adds latency only under load, and never more than this; with the live
 * streams' 25 ms coalescing, a push follows a commit by at most about 50 ms plus the work.
 */
const MIN_READ_INTERVAL_MS = 25;

/**
 * Catch-up subscription over the SQLite log: reads pages after the last delivered position,
 * awaits the handler for each page, signals caught-up when a read comes back short, then
 * sleeps until the store announces a commit. Delivery order is the global order; each event
 * is delivered once because the cursor only moves forward past what was delivered.
 */
export class SqliteSubscription<E extends LoggedEvent> implements Subscription {
  private cursor: number;
  private stopped = false;
  private wake: (() => void) | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  /** When the log was last read: reads follow notifications at most every MIN_READ_INTERVAL_MS. */
  private lastRead = Number.NEGATIVE_INFINITY;
  private loop: Promise<void> | undefined;
  private readonly onAppended = () => {
    if (this.wake === undefined || this.wakeTimer !== undefined) return;
    const wait = this.lastRead + MIN_READ_INTERVAL_MS - performance.now();
    if (wait <= 0) this.wake();
    else (this.wakeTimer = setTimeout(() => this.wake?.(), wait)).unref();
  };

  constructor(
    private readonly read: LogRead<E>,
    private readonly appended: EventEmitter,
    private readonly handler: SubscriptionHandler<E>,
    private readonly options: SubscribeOptions,
    private readonly onStopped: () => void,
  ) {
    this.cursor = options.afterPosition ?? 0;
  }

  start(): void {
    this.appended.on('appended', this.onAppended);
    // Start on the next turn: no handler runs before subscribeToAll has returned.
    this.loop = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run()).catch((error: Error) => {
      this.detach();
      if (this.handler.onError) this.handler.onError(error);
    });
  }

  private async run(): Promise<void> {
    let caughtUp = false;
    while (!this.stopped) {
      const { events, scannedTo } = this.read(this.cursor, PAGE, this.options.streamPrefixes);
      this.lastRead = performance.now();
      if (events.length > 0) {
        caughtUp = false;
        await this.handler.onEvents(events);
      }
      this.cursor = scannedTo;
      if (this.stopped) break;
      // Caught up only after a read that found nothing: appends committed while the handler ran
      // (whose notifications nobody was waiting for) are read first.
      if (events.length === 0) {
        if (!caughtUp) {
          caughtUp = true;
          this.handler.onCaughtUp?.(this.cursor === 0 ? undefined : this.cursor);
        }
        await this.sleep();
      }
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, POLL_MS);
      timer.unref();
      const self = this;
      function done() {
        clearTimeout(timer);
        clearTimeout(self.wakeTimer);
        self.wakeTimer = undefined;
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return this.loop;
    this.stopped = true;
    this.wake?.();
    this.detach();
    await this.loop;
  }

  private detach(): void {
    this.appended.off('appended', this.onAppended);
    this.onStopped();
  }
}
