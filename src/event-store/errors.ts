import type { ExpectedRevision } from './event-store.port.js';

/** The stream was not at the revision the writer expected: someone else wrote first. */
export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** Revision of the stream's last event, or 'no_stream' when it does not exist. */
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/** Throws WrongExpectedRevisionError unless a stream at `current` (undefined: none) is as `expected`. */
export function checkExpectedRevision(streamId: string, expected: ExpectedRevision, current: number | undefined): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'number' && current === expected);
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, current ?? 'no_stream');
}

/** The store could not be reached or failed in a way the caller cannot fix. */
export class EventStoreUnavailableError extends Error {
  override readonly name = 'EventStoreUnavailableError';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/**
 * The store answers but cannot take appends now: the disk is full, an I/O error, a read-only
 * file. Nothing of the append was acknowledged; it may succeed once the cause is gone (issue 21).
 */
export class EventStoreWriteError extends Error {
  override readonly name = 'EventStoreWriteError';
  constructor(
    /** The store's own code of the failure (SQLITE_FULL, SQLITE_IOERR_WRITE, ...). */
    readonly storeCode: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

/** The stream was deleted for good (EventStoreDB's tombstone): it can be neither read nor written again. */
export class StreamDeletedError extends Error {
  override readonly name = 'StreamDeletedError';
  constructor(
    readonly streamId: string,
    cause?: unknown,
  ) {
    super(`stream ${streamId} was deleted from the event store`, { cause });
  }
}

/** The append is larger than the store takes at once (EventStoreDB's MaxAppendSize); nothing of it was written. */
export class AppendTooLargeError extends Error {
  override readonly name = 'AppendTooLargeError';
  constructor(
    /** The store's limit in bytes, when it says. */
    readonly maxBytes: number | undefined,
    cause?: unknown,
  ) {
    super(`the append is larger than the event store takes at once${maxBytes === undefined ? '' : ` (${maxBytes} bytes)`}`, { cause });
  }
}

/** The store was closed; no further appends are accepted. */
export class EventStoreClosedError extends Error {
  override readonly name = 'EventStoreClosedError';
  constructor() {
    super('event store is closed');
  }
}
