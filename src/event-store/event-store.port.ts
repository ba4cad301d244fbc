/**
 * The event-store port: the only way the rest of the service touches persisted events.
 * Semantics follow EventStoreDB so that the embedded SQLite adapter and the EventStoreDB
 * adapter are interchangeable: 0-based stream revisions, expected-revision checks, a global
 * position per event, idempotent re-append of the same event ids.
 */

/** Expected revision of a stream before an append. A number is the revision of the stream's last event. */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export const NO_STREAM = 'no_stream' as const;
export const STREAM_EXISTS = 'stream_exists' as const;
export const ANY = 'any' as const;

/**
 * An event's data or metadata: a JSON object (strings, finite numbers, booleans, null, arrays and
 * objects of them; no undefined). Appended data is not changed afterwards by its appender, nor
 * delivered data by its receiver: a live subscription may hand out the very objects appended.
 */
export type JsonObject = { [key: string]: unknown };

export interface EventToAppend {
  /** Unique event id (UUID). Appending an id the stream already holds stores it once. */
  id: string;
  type: string;
  data: JsonObject;
  metadata?: JsonObject;
}

export interface RecordedEvent {
  streamId: string;
  id: string;
  type: string;
  /** 0-based position of the event in its stream. */
  revision: number;
  /** Position in the global log; strictly increasing. */
  position: number;
  data: JsonObject;
  metadata: JsonObject;
  /** When the store persisted the event (ISO 8601, UTC). */
  created: string;
}

/**
 * What a replay of the log needs of an event (a projection rebuild): without metadata, event id
 * or creation instant, which cost about as much to read as all the rest.
 */
export type LoggedEvent = Pick<RecordedEvent, 'streamId' | 'type' | 'revision' | 'position' | 'data'> & {
  /**
   * When the service recorded the event (epoch ms: metadata.recordedAt, else `created`), which as-of
   * answers need. An adapter that hands whole events (metadata and created) may leave it out.
   */
  recordedAt?: number;
};

/** When the service recorded the event: its `recordedAt`, else metadata.recordedAt, else the store's own timestamp. */
export function recordedAtOf(e: LoggedEvent | RecordedEvent): number {
  const given = (e as LoggedEvent).recordedAt;
  if (typeof given === 'number') return given;
  const { metadata, created } = e as Partial<RecordedEvent>;
  return recordedInstant(metadata?.recordedAt, created);
}

/** metadata.recordedAt (ISO 8601), else `created`, in epoch ms (NaN when neither is there). */
export function recordedInstant(metadataRecordedAt: unknown, created: string | undefined): number {
  return Date.parse(typeof metadataRecordedAt === 'string' ? metadataRecordedAt : (created ?? ''));
}

export interface AppendResult {
  /** Revision of the stream's last event after the append: the expected revision for the next one. */
  nextExpectedRevision: number;
  /** Global position of the last appended event. */
  position: number;
  /** One entry per appended event, in order. */
  events: { id: string; revision: number; position: number }[];
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  direction?: Direction;
  /** Revision to start from (inclusive). Defaults to the start (forwards) or the end (backwards). */
  fromRevision?: number | 'start' | 'end';
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Global position to read after (exclusive). Omitted: from the beginning. */
  afterPosition?: number;
  maxCount?: number;
  /** Only events whose stream id starts with one of these prefixes. */
  streamPrefixes?: string[];
}

export interface ReadAllPagesOptions {
  /** Global position to read after (exclusive). Omitted: from the beginning. */
  afterPosition?: number;
  /** Events per page at most. */
  pageSize: number;
  /** Whether the adapter may read ahead in a thread of its own (default true). */
  readAhead?: boolean;
}

export interface SubscriptionHandler<E extends LoggedEvent = RecordedEvent> {
  /** Called with events in global order, each exactly once; awaited before the next batch. */
  onEvents(events: E[]): void | Promise<void>;
  /** Called each time the subscription has delivered everything stored so far. */
  onCaughtUp?(position: number | undefined): void;
  /** Called when the subscription stops because of an error it could not recover from. */
  onError?(error: Error): void;
}

export interface SubscribeOptions {
  /** Deliver events after this global position (exclusive). Omitted: from the beginning. */
  afterPosition?: number;
  streamPrefixes?: string[];
}

export interface Subscription {
  /** Stops delivery; resolves when no handler call is in flight any more. */
  stop(): Promise<void>;
}

export interface EventStore {
  append(streamId: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  /** Events of one stream; an unknown stream reads as []. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of the global log in position order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The same events as readAll with the same options, each without metadata, id and created. */
  readAllData(options?: ReadAllOptions): Promise<LoggedEvent[]>;
  /**
   * The same events as readAllData, every stream, in pages of at most `pageSize`, up to the head
   * as it was when the read began (later events: readAllData). An adapter may read pages ahead
   * while the caller works on one (a rebuild); leaving the loop early stops it.
   */
  readAllDataPages(options: ReadAllPagesOptions): AsyncIterable<LoggedEvent[]>;
  subscribeToAll(handler: SubscriptionHandler, options?: SubscribeOptions): Subscription;
  /**
   * The same subscription, each event without metadata, id and created (as readAllData). Near the
   * head, an adapter may deliver the data objects the appends of its own process passed.
   */
  subscribeToAllData(handler: SubscriptionHandler<LoggedEvent>, options?: SubscribeOptions): Subscription;
  /** Position of the last event in the global log (undefined when empty). */
  headPosition(): Promise<number | undefined>;
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>;
  /**
   * Why the log cannot be appended to now (the last append failed on a write error and none has
   * succeeded since), or undefined when it can; an adapter may try a write to find out (/health).
   */
  appendFailure?(): Promise<string | undefined>;
  /** Finishes in-flight appends, then releases the store. */
  close(): Promise<void>;
}

/** Injection token for the configured EventStore. */
export const EVENT_STORE = Symbol('EVENT_STORE');
