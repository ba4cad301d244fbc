import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  jsonEvent,
  type AllStreamResolvedEvent,
  type ReadPosition,
  type ReadRevision,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { checkExpectedRevision, EventStoreClosedError, WrongExpectedRevisionError } from '../errors.js';
import type {
  JsonObject,
  LoggedEvent,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadAllPagesOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
  SubscriptionHandler,
} from '../event-store.port.js';
import { pagesFrom } from '../log-pages.js';
import { chainRows } from '../chained-rows.js';
import {
  comparePositions,
  isSystemEvent,
  mapError,
  matchesPrefixes,
  toEsdbExpected,
  toEsdbPosition,
  toRecorded,
} from './esdb-mapping.js';
import { EsdbSubscription } from './esdb-subscription.js';

/** Events read from $all per request when paging. */
const PAGE = 1000;
const READ_BACK_ATTEMPTS = 4;
/** Appends with `any` tried again when another writer moved the stream meanwhile (see chainHead). */
const CHAIN_ATTEMPTS = 5;
/** How far back a repeated append with `any` is looked for before it is taken for a new one. */
const REPEAT_WINDOW = 100;

function hashOf(e: RecordedEvent | undefined): string | undefined {
  const hash = e?.metadata.hash;
  return typeof hash === 'string' ? hash : undefined;
}

/**
 * EventStoreDB / KurrentDB adapter over `@eventstore/db-client`.
 *
 * The port's global position is the event's commit position (a number; a byte offset that stays
 * below 2^53 for any real log). System events ($-prefixed types or streams) never appear in
 * readAll, headPosition or subscriptions. Per-event positions of an append are read back from
 * the stream, because the server reports only one position per append (none when the append
 * was an idempotent repeat). Idempotence with `any` is EventStoreDB's: guaranteed only while the
 * server still remembers the ids (recent appends); with a numeric or `no_stream` expected
 * revision a repeat is always recognised.
 */
export class EsdbEventStore implements EventStore {
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly subscriptions = new Set<EsdbSubscription>();

  /** Connects lazily: the first call discovers the node (or the cluster's leader). */
  static connect(connectionString: string): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(connectionString));
  }

  private constructor(private readonly client: EventStoreDBClient) {}

  append(streamId: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreClosedError());
    return this.track(this.appendNow(streamId, events, expectedRevision));
  }

  private async appendNow(streamId: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return this.appendNothing(streamId, expected);
    let nextExpectedRevision: number;
    for (let attempt = 1; ; attempt++) {
      const { revision, hash, pinned } = await this.chainHead(streamId, events, expected);
      const rows = chainRows(streamId, revision, hash, events);
      try {
        const result = await this.client.appendToStream(
          streamId,
          rows.map((r, i) => jsonEvent({ id: r.id, type: r.type, data: events[i].data, metadata: JSON.parse(r.metadata) as JsonObject })),
          { expectedRevision: toEsdbExpected(pinned) },
        );
        nextExpectedRevision = Number(result.nextExpectedRevision);
        break;
      } catch (error) {
        const mapped = mapError(error, streamId, pinned);
        // `any` or `stream_exists`: another writer came between the read of the head and the append.
        if (mapped instanceof WrongExpectedRevisionError && pinned !== expected && attempt < CHAIN_ATTEMPTS) continue;
        throw mapped instanceof WrongExpectedRevisionError && pinned !== expected ? mapError(error, streamId, expected) : mapped;
      }
    }
    const written = await this.findWritten(streamId, events, nextExpectedRevision);
    const last = written[written.length - 1];
    return {
      nextExpectedRevision: last.revision,
      position: last.position,
      events: written.map((e) => ({ id: e.id, revision: e.revision, position: e.position })),
    };
  }

  /**
   * The revision and hash the append's first event chains to, and the expected revision to append
   * with: `any` and `stream_exists` become the revision read, so that the hash cannot chain to an
   * event another writer has since followed; unless the events are already in the stream (a
   * repeat, which EventStoreDB's idempotence answers without writing).
   */
  private async chainHead(
    streamId: string,
    events: EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<{ revision: number; hash: string | undefined; pinned: ExpectedRevision }> {
    if (expected === 'no_stream') return { revision: -1, hash: undefined, pinned: expected };
    if (typeof expected === 'number') {
      const [at] = await this.read(streamId, { fromRevision: expected, maxCount: 1 });
      return { revision: expected, hash: hashOf(at), pinned: expected };
    }
    const recent = await this.read(streamId, { direction: 'backwards', maxCount: REPEAT_WINDOW });
    const last = recent[0];
    const ids = new Set(recent.map((e) => e.id));
    if (events.some((e) => ids.has(e.id))) return { revision: last.revision, hash: hashOf(last), pinned: expected };
    if (last === undefined) return { revision: -1, hash: undefined, pinned: expected === 'stream_exists' ? expected : 'no_stream' };
    return { revision: last.revision, hash: hashOf(last), pinned: last.revision };
  }

  /**
   * The appended events as stored. Usually they are the last `events.length` ones up to
   * `nextExpectedRevision`; after an idempotent repeat with `any` the server may report the
   * stream's current revision instead, so the ids are then looked up in the whole stream.
   */
  private async findWritten(streamId: string, events: EventToAppend[], nextExpectedRevision: number): Promise<RecordedEvent[]> {
    const first = nextExpectedRevision - events.length + 1;
    if (first >= 0) {
      const tail = await this.read(streamId, { fromRevision: first, maxCount: events.length });
      if (sameIds(tail, events)) return tail;
    }
    // A node that is not the leader may lag behind the write for a moment: look again before giving up.
    for (let attempt = 0; attempt < READ_BACK_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
      const byId = new Map((await this.read(streamId)).map((e) => [e.id, e]));
      const found = events.map((e) => byId.get(e.id));
      if (found.every((e) => e !== undefined)) return found as RecordedEvent[];
    }
    throw new Error(`EventStoreDB acknowledged an append to ${streamId} whose events cannot be read back`);
  }

  /** An empty append writes nothing; it still checks the expected revision, as the SQLite adapter does. */
  private async appendNothing(streamId: string, expected: ExpectedRevision): Promise<AppendResult> {
    const [last] = await this.read(streamId, { direction: 'backwards', maxCount: 1 });
    const current = last?.revision;
    checkExpectedRevision(streamId, expected, current);
    return { nextExpectedRevision: current ?? -1, position: last?.position ?? (await this.head()) ?? 0, events: [] };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.read(streamId, options);
  }

  /** Reads without the open check: an append in flight during close() still reads its events back. */
  private async read(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    const fromRevision: ReadRevision = from === 'start' ? START : from === 'end' ? END : BigInt(from);
    const out: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision,
        ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
      });
      for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
        if (resolved.event) out.push(toRecorded(resolved.event, resolved.commitPosition));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw mapError(error);
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const out: RecordedEvent[] = [];
    if (max <= 0) return out;
    // Reading $all from a position includes the event at that position: skip up to `after` inclusive.
    let after = options.afterPosition === undefined ? undefined : toEsdbPosition(options.afterPosition);
    let from: ReadPosition = after ?? START;
    try {
      for (;;) {
        const page = await collect(this.client.readAll({ direction: FORWARDS, fromPosition: from, maxCount: PAGE }));
        for (const resolved of page) {
          const e = resolved.event;
          if (!e) continue;
          if (after && comparePositions(e.position, after) <= 0) continue;
          after = e.position;
          if (isSystemEvent(e) || !matchesPrefixes(e.streamId, options.streamPrefixes)) continue;
          out.push(toRecorded(e));
          if (out.length >= max) return out;
        }
        if (page.length < PAGE || !after) return out;
        from = after;
      }
    } catch (error) {
      throw mapError(error);
    }
  }

  /** The server sends whole events anyway: readAll's. */
  readAllData(options: ReadAllOptions = {}): Promise<LoggedEvent[]> {
    return this.readAll(options);
  }

  async *readAllDataPages(options: ReadAllPagesOptions): AsyncGenerator<LoggedEvent[]> {
    yield* pagesFrom((o) => this.readAllData(o), (await this.headPosition()) ?? 0, options);
  }

  subscribeToAll(handler: SubscriptionHandler, options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const subscription = new EsdbSubscription(this.client, handler, options, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  /** The server sends whole events anyway: subscribeToAll's. */
  subscribeToAllData(handler: SubscriptionHandler<LoggedEvent>, options: SubscribeOptions = {}): Subscription {
    return this.subscribeToAll(handler, options);
  }

  /** Position of the last non-system event: the log is read backwards past system events. */
  async headPosition(): Promise<number | undefined> {
    this.assertOpen();
    return this.head();
  }

  private async head(): Promise<number | undefined> {
    let from: ReadPosition = END;
    try {
      for (;;) {
        const page = await collect(this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: PAGE }));
        for (const resolved of page) {
          if (resolved.event && !isSystemEvent(resolved.event)) return Number(resolved.event.position.commit);
        }
        const last = page[page.length - 1]?.event;
        if (page.length < PAGE || !last) return undefined;
        from = last.position;
      }
    } catch (error) {
      throw mapError(error);
    }
  }

  async ping(): Promise<void> {
    this.assertOpen();
    try {
      await collect(this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
    } catch (error) {
      throw mapError(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    await this.client.dispose();
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosedError();
  }
}

async function collect(read: AsyncIterable<AllStreamResolvedEvent>): Promise<AllStreamResolvedEvent[]> {
  const out: AllStreamResolvedEvent[] = [];
  for await (const resolved of read) out.push(resolved);
  return out;
}

function sameIds(stored: RecordedEvent[], events: EventToAppend[]): boolean {
  return stored.length === events.length && stored.every((e, i) => e.id === events[i].id);
}
