import {
  AccessDeniedError,
  InvalidArgumentError,
  START,
  UnsupportedError,
  excludeSystemEvents,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type EventStoreDBClient,
  type Position,
} from '@eventstore/db-client';
import { EventStoreUnavailableError } from '../errors.js';
import type { RecordedEvent, SubscribeOptions, Subscription, SubscriptionHandler } from '../event-store.port.js';
import { comparePositions, isSystemEvent, mapError, matchesPrefixes, toEsdbPosition, toRecorded } from './esdb-mapping.js';

/** Largest batch handed to onEvents; also the buffer size at which the gRPC stream is paused. */
const MAX_BATCH = 500;
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5000;

/**
 * Catch-up subscription to $all that survives dropped connections.
 *
 * Events received from the server are buffered and handed to `onEvents` in batches; the gRPC
 * stream is paused while the handler runs, so a slow handler holds the server back instead of
 * filling memory. `cursor` is the log position of the last event handed over (or skipped as
 * a system event): when the stream drops, the undelivered buffer is discarded and a new
 * subscription starts after `cursor`, with a guard that drops anything at or before it, so an
 * event is never delivered twice and none is skipped.
 *
 * Caught-up: the client emits `caughtUp` (EventStoreDB 23.10+ / KurrentDB) when the server has
 * sent everything stored; events already pushed into the client stream's buffer at that moment
 * are counted, and `onCaughtUp` fires once those have been handled.
 */
export class EsdbSubscription implements Subscription {
  private cursor: Position | undefined;
  private stopped = false;
  /** Incremented on every (re)connection; callbacks of an older connection are ignored. */
  private generation = 0;
  private stream: AllStreamSubscription | undefined;
  private buffer: AllStreamResolvedEvent[] = [];
  private received = 0;
  private handled = 0;
  private caughtUpAt: number | undefined;
  /** The server said caught-up and has not said fell-behind since: events now arrive as they are written. */
  private live = false;
  private draining = false;
  private drained: Promise<void> = Promise.resolve();
  private retries = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly handler: SubscriptionHandler,
    private readonly options: SubscribeOptions,
    private readonly onStopped: () => void,
  ) {
    this.cursor = options.afterPosition === undefined ? undefined : toEsdbPosition(options.afterPosition);
  }

  start(): void {
    this.connect();
  }

  async stop(): Promise<void> {
    if (!this.stopped) this.halt();
    await this.drained;
  }

  private connect(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    this.buffer = [];
    this.received = 0;
    this.handled = 0;
    this.caughtUpAt = undefined;
    this.live = false;
    let stream: AllStreamSubscription;
    try {
      stream = this.client.subscribeToAll({ fromPosition: this.cursor ?? START, filter: this.filter() });
    } catch (error) {
      // Thrown before any I/O: the options are invalid, and retrying will not change that.
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.stream = stream;
    const current = () => generation === this.generation && !this.stopped;
    stream.on('data', (resolved: AllStreamResolvedEvent) => {
      if (!current()) return;
      this.retries = 0;
      this.received += 1;
      this.buffer.push(resolved);
      if (this.buffer.length >= MAX_BATCH) stream.pause();
      this.scheduleDrain(generation);
    });
    stream.on('confirmation', () => {
      if (current()) this.retries = 0;
    });
    stream.on('caughtUp', () => {
      if (!current()) return;
      // Everything the server sent before this signal has been counted or is still in the stream's buffer.
      this.caughtUpAt = this.received + stream.readableLength;
      this.signalCaughtUp(false);
    });
    stream.on('fellBehind', () => {
      if (current()) this.live = false;
    });
    stream.on('error', (error: Error) => this.dropped(generation, error));
    stream.on('end', () => this.dropped(generation, new EventStoreUnavailableError('EventStoreDB ended the subscription')));
    stream.on('close', () => this.dropped(generation, new EventStoreUnavailableError('EventStoreDB subscription closed')));
  }

  private filter() {
    const prefixes = this.options.streamPrefixes;
    return prefixes && prefixes.length > 0 ? streamNameFilter({ prefixes }) : excludeSystemEvents();
  }

  private scheduleDrain(generation: number): void {
    if (this.draining) return;
    this.draining = true;
    // Wait one macrotask so that events arriving together are delivered as one batch.
    this.drained = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain(generation));
  }

  private async drain(generation: number): Promise<void> {
    try {
      while (generation === this.generation && !this.stopped && this.buffer.length > 0) {
        const stream = this.stream;
        stream?.pause();
        const raw = this.buffer.splice(0, MAX_BATCH);
        const events = this.select(raw);
        if (events.length > 0) await this.handler.onEvents(events);
        if (generation !== this.generation) return;
        this.handled += raw.length;
        this.signalCaughtUp(true);
        if (this.buffer.length < MAX_BATCH) stream?.resume();
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.draining = false;
    }
  }

  /** Events to deliver, in order; moves the cursor past everything examined. */
  private select(raw: AllStreamResolvedEvent[]): RecordedEvent[] {
    const events: RecordedEvent[] = [];
    for (const resolved of raw) {
      const e = resolved.event;
      if (!e) continue;
      if (this.cursor && comparePositions(e.position, this.cursor) <= 0) continue;
      this.cursor = e.position;
      if (isSystemEvent(e) || !matchesPrefixes(e.streamId, this.options.streamPrefixes)) continue;
      events.push(toRecorded(e));
    }
    return events;
  }

  /**
   * Signals caught-up once the events before the server's marker are handled, and again, while
   * live, after each batch that left nothing buffered (as the SQLite adapter does after each read).
   */
  private signalCaughtUp(afterBatch: boolean): void {
    if (this.stopped) return;
    if (this.caughtUpAt !== undefined) {
      if (this.handled < this.caughtUpAt) return;
      this.caughtUpAt = undefined;
      this.live = true;
    } else if (!afterBatch || !this.live || this.buffer.length > 0 || (this.stream?.readableLength ?? 0) > 0) {
      return;
    }
    this.handler.onCaughtUp?.(this.cursor === undefined ? undefined : Number(this.cursor.commit));
  }

  private dropped(generation: number, error: unknown): void {
    if (generation !== this.generation || this.stopped) return;
    this.generation += 1;
    this.release();
    if (!isRecoverable(error)) {
      this.fail(mapError(error) as Error);
      return;
    }
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.retries);
    this.retries += 1;
    // Reconnect only once the batch in flight has been handled, so that the cursor is final.
    void this.drained.then(() => {
      if (this.stopped) return;
      this.retryTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    this.halt();
    this.handler.onError?.(error);
  }

  private halt(): void {
    this.stopped = true;
    this.generation += 1;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.release();
    this.onStopped();
  }

  /** Cancels the current gRPC stream; its later events and errors are ignored. */
  private release(): void {
    const stream = this.stream;
    this.stream = undefined;
    this.buffer = [];
    if (!stream) return;
    stream.on('error', () => undefined);
    stream.unsubscribe().catch(() => undefined);
  }
}

/** Access and argument errors will not go away by retrying; everything else (network, leader change) may. */
function isRecoverable(error: unknown): boolean {
  return !(error instanceof AccessDeniedError || error instanceof InvalidArgumentError || error instanceof UnsupportedError);
}
