import type { EventEmitter } from 'node:events';
import type { RecordedEvent, SubscribeOptions, Subscription, SubscriptionHandler } from '../event-store.port.js';

interface LogReader {
  readAllSync(after: number, maxCount: number, prefixes?: string[]): { events: RecordedEvent[]; scannedTo: number };
}

const PAGE = 1000;
/** Safety net: re-read the log now and then even without a notification (another process may write). */
const POLL_MS = 1000;

/**
 * Catch-up subscription over the SQLite log: reads pages after the last delivered position,
 * awaits the handler for each page, signals caught-up when a read comes back short, then
 * sleeps until the store announces a commit. Delivery order is the global order; each event
 * is delivered once because the cursor only moves forward past what was delivered.
 */
export class SqliteSubscription implements Subscription {
  private cursor: number;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly onAppended = () => this.wake?.();

  constructor(
    private readonly log: LogReader,
    private readonly appended: EventEmitter,
    private readonly handler: SubscriptionHandler,
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
      const { events, scannedTo } = this.log.readAllSync(this.cursor, PAGE, this.options.streamPrefixes);
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
