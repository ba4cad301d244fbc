import {
  ANY as ESDB_ANY,
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NO_STREAM as ESDB_NO_STREAM,
  NotLeaderError,
  STREAM_EXISTS as ESDB_STREAM_EXISTS,
  StreamDeletedError as EsdbStreamDeletedError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  type AppendExpectedRevision,
  type Position,
} from '@eventstore/db-client';
import { AppendTooLargeError, EventStoreUnavailableError, StreamDeletedError, WrongExpectedRevisionError } from '../errors.js';
import { type ExpectedRevision, type JsonObject, type RecordedEvent, recordedAtOf } from '../event-store.port.js';

/** The fields of a client-side recorded event that the port needs (JSON and binary events alike). */
export interface EsdbRecord {
  streamId: string;
  id: string;
  type: string;
  revision: bigint;
  created: Date;
  isJson: boolean;
  data: unknown;
  metadata: unknown;
  position?: Position;
}

export function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return ESDB_NO_STREAM;
    case 'stream_exists':
      return ESDB_STREAM_EXISTS;
    case 'any':
      return ESDB_ANY;
    default:
      return BigInt(expected);
  }
}

/** Our position is the commit position. For events appended through gRPC, commit = prepare. */
export function toEsdbPosition(position: number): Position {
  return { commit: BigInt(position), prepare: BigInt(position) };
}

/** Orders two log positions: negative when a is before b. */
export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** System events ($-prefixed types, or in $-prefixed streams such as `$$metadata` and `$stats`) are never delivered. */
export function isSystemEvent(e: { streamId: string; type: string }): boolean {
  return e.type.startsWith('$') || e.streamId.startsWith('$');
}

export function matchesPrefixes(streamId: string, prefixes: string[] | undefined): boolean {
  return !prefixes || prefixes.length === 0 || prefixes.some((p) => streamId.startsWith(p));
}

/**
 * Converts a recorded event. `fallbackCommit` is the commit position the server put on the
 * resolved event, for servers older than 22.10 that omit the per-event position on stream reads.
 */
export function toRecorded(e: EsdbRecord, fallbackCommit?: bigint): RecordedEvent {
  const commit = e.position?.commit ?? fallbackCommit;
  if (commit === undefined) {
    throw new Error(`EventStoreDB sent event ${e.id} of ${e.streamId} without its position (EventStoreDB 22.10 or later is needed)`);
  }
  const metadata = asJsonObject(e.metadata);
  const created = e.created.toISOString();
  return {
    streamId: e.streamId,
    id: e.id,
    type: e.type,
    revision: Number(e.revision),
    position: Number(commit),
    data: asJsonObject(e.data),
    metadata,
    created,
    recordedAt: recordedAtOf(metadata.recordedAt, created),
  };
}

/** JSON events come parsed; binary payloads (written by other tools) are parsed when they hold JSON. */
function asJsonObject(value: unknown): JsonObject {
  if (value === undefined || value === null) return {};
  if (value instanceof Uint8Array) {
    if (value.length === 0) return {};
    try {
      return asJsonObject(JSON.parse(Buffer.from(value).toString('utf8')));
    } catch {
      return {};
    }
  }
  if (typeof value === 'object' && !Array.isArray(value)) return value as JsonObject;
  return { value };
}

/**
 * Maps client errors to the port's typed errors where the caller can act on them: a conflict, a
 * store that does not answer now (retry later), a stream deleted for good, an append too large.
 * Anything else (access denied, invalid argument, unknown) is a fault of the service or of its
 * configuration, returned unchanged (500 at the edge, logged).
 */
export function mapError(error: unknown, streamId?: string, expected?: ExpectedRevision): unknown {
  if (error instanceof WrongExpectedVersionError && streamId !== undefined && expected !== undefined) {
    const actual = error.actualVersion;
    return new WrongExpectedRevisionError(
      streamId,
      expected,
      actual === ESDB_NO_STREAM || (typeof actual === 'bigint' && actual < 0n) ? 'no_stream' : Number(actual),
    );
  }
  if (isUnavailable(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new EventStoreUnavailableError(`EventStoreDB is unavailable: ${message}`, error);
  }
  if (error instanceof EsdbStreamDeletedError) return new StreamDeletedError(error.streamName ?? streamId ?? 'unknown', error);
  if (error instanceof MaxAppendSizeExceededError) return new AppendTooLargeError(Number.isFinite(error.maxAppendSize) ? error.maxAppendSize : undefined, error);
  return error;
}

export function isUnavailable(error: unknown): boolean {
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError ||
    error instanceof CancelledError
  ) {
    return true;
  }
  // Discovery gives up with a plain Error; gRPC errors that escaped conversion carry status 14 (UNAVAILABLE).
  if (error instanceof Error && /failed to discover|no connection established|ECONNREFUSED/i.test(error.message)) return true;
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 14;
}
