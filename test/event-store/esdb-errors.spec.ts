import { describe, expect, it } from '@jest/globals';
import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  InvalidTransactionError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { toProblem } from '../../src/common/problem.filter.js';
import { mapError } from '../../src/event-store/esdb/esdb-mapping.js';

/**
 * What a client of the service is answered when EventStoreDB refuses an append (or the read before
 * it): the client's error mapped by the adapter, then by the one exception filter. No server: the
 * client's own error classes, as it throws them.
 */
function answer(error: unknown): { status: number; code: string; headers: Record<string, string> } {
  const { body, headers } = toProblem(mapError(error, 'dossier-1', 3));
  return { status: body.status, code: body.code, headers };
}

/** The gRPC error the client builds a NotLeaderError from: the leader's address in the metadata. */
const notLeader = () =>
  new NotLeaderError({
    message: 'not leader',
    code: 5,
    metadata: { getMap: () => ({ 'leader-endpoint-host': 'node2', 'leader-endpoint-port': '2113' }) },
  } as unknown as ConstructorParameters<typeof NotLeaderError>[0]);

describe('EventStoreDB errors as answers', () => {
  it('a conflicting writer: 409 CONCURRENCY_CONFLICT, the command may be sent again', () => {
    const error = new WrongExpectedVersionError(undefined, { streamName: 'dossier-1', expected: 3n, current: 5n });
    expect(answer(error)).toEqual({ status: 409, code: 'CONCURRENCY_CONFLICT', headers: {} });
  });

  it.each([
    ['unavailable', new UnavailableError(undefined, 'connection refused')],
    ['deadline exceeded', new DeadlineExceededError(undefined, 'deadline exceeded')],
    ['timed out (aborted)', new TimeoutError(undefined, 'aborted')],
    ['cancelled by the server', new CancelledError(undefined, 'cancelled')],
    ['not the leader (an election under way)', notLeader()],
    ['no node discovered', new Error('Failed to discover after 10 attempts.')],
    ['a gRPC UNAVAILABLE that escaped conversion', Object.assign(new Error('14 UNAVAILABLE'), { code: 14 })],
  ])('a store that does not answer now (%s): 503 UNAVAILABLE, to retry later', (_case, error) => {
    expect(answer(error)).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
  });

  it('a stream deleted for good (tombstoned by an operator): 404 NOT_FOUND, retrying cannot help', () => {
    expect(answer(StreamDeletedError.fromStreamName('dossier-1'))).toEqual({ status: 404, code: 'NOT_FOUND', headers: {} });
  });

  it("an append larger than the server's MaxAppendSize: 413 PAYLOAD_TOO_LARGE", () => {
    expect(answer(MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576))).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE', headers: {} });
  });

  it.each([
    ["the service's user denied access (its configuration)", new AccessDeniedError(undefined, 'Access denied')],
    ['an argument the server refuses (a fault of the service)', new InvalidArgumentError('bad stream name')],
    ['an invalid transaction', new InvalidTransactionError(undefined, 'invalid transaction')],
    ['an unknown server error', new UnknownError(undefined, 'boom')],
    ['anything else', new TypeError('x is undefined')],
  ])('%s: 500 INTERNAL (logged), nothing the client can do', (_case, error) => {
    expect(answer(error)).toEqual({ status: 500, code: 'INTERNAL', headers: {} });
  });

  it('keeps the deleted stream and the size limit in the typed errors, for logs and callers', () => {
    expect(mapError(StreamDeletedError.fromStreamName('dossier-9'))).toMatchObject({ name: 'StreamDeletedError', streamId: 'dossier-9' });
    expect(mapError(MaxAppendSizeExceededError.fromMaxAppendSize(1024))).toMatchObject({ name: 'AppendTooLargeError', maxBytes: 1024 });
  });
});
