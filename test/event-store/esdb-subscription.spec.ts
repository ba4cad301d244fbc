import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Transform, type TransformCallback } from 'node:stream';
import {
  AccessDeniedError,
  UnavailableError,
  type AllStreamResolvedEvent,
  type EventStoreDBClient,
  type Position,
  type SubscribeToAllOptions,
} from '@eventstore/db-client';
import { EsdbSubscription } from '../../src/event-store/esdb/esdb-subscription.js';
import type { RecordedEvent, SubscribeOptions, SubscriptionHandler } from '../../src/event-store/event-store.port.js';
import { seededRandom, sleep, uuidFrom, waitFor } from './contract-support.js';

/**
 * The EventStoreDB subscription's own logic (batching, pausing, caught-up counting, resuming
 * after a drop without duplicates or gaps), driven by a stand-in for the client's gRPC
 * subscription stream. The real server is covered by esdb.contract.spec.ts.
 */

type Message = { event: AllStreamResolvedEvent } | { caughtUp: true } | { fellBehind: true };

/** Behaves like the client's Subscription: a Transform that emits `caughtUp` in stream order. */
class FakeStream extends Transform {
  unsubscribed = false;
  constructor() {
    super({ objectMode: true });
  }
  override _transform(message: Message, _encoding: BufferEncoding, next: TransformCallback): void {
    if ('caughtUp' in message) this.emit('caughtUp');
    else if ('fellBehind' in message) this.emit('fellBehind');
    else return next(null, message.event);
    next();
  }
  async unsubscribe(): Promise<void> {
    this.unsubscribed = true;
  }
}

const random = seededRandom(42);
const created = new Date('2024-06-01T08:00:00.000Z');

function resolved(commit: number, streamId = 'dossier-1', type = 'DossierReceived'): AllStreamResolvedEvent {
  const position: Position = { commit: BigInt(commit), prepare: BigInt(commit) };
  return {
    event: { streamId, id: uuidFrom(random), type, revision: BigInt(commit), created, isJson: true, data: { commit }, metadata: undefined, position },
    commitPosition: BigInt(commit),
  };
}

/** A server whose log is `log`: each subscription gets the events from its start position, inclusive (the adapter must skip the one it already has). */
class FakeClient {
  readonly log: AllStreamResolvedEvent[] = [];
  readonly subscriptions: { options: SubscribeToAllOptions; stream: FakeStream }[] = [];
  /** Whether a new subscription gets the caught-up marker after the stored events. */
  sendCaughtUp = true;

  subscribeToAll(options: SubscribeToAllOptions): FakeStream {
    const stream = new FakeStream();
    this.subscriptions.push({ options, stream });
    const from = options.fromPosition;
    const start = from === undefined || from === 'start' ? -1n : from === 'end' ? BigInt(Number.MAX_SAFE_INTEGER) : from.commit;
    setImmediate(() => {
      for (const e of this.log) if (e.event!.position.commit >= start) stream.write({ event: e });
      if (this.sendCaughtUp) stream.write({ caughtUp: true });
    });
    return stream;
  }

  /** Appends to the log and sends the event to the current subscription, as a live server would. */
  append(e: AllStreamResolvedEvent): void {
    this.log.push(e);
    this.current.write({ event: e });
  }

  get current(): FakeStream {
    return this.subscriptions[this.subscriptions.length - 1].stream;
  }
}

class Recorder implements SubscriptionHandler {
  readonly batches: RecordedEvent[][] = [];
  readonly caughtUps: (number | undefined)[] = [];
  readonly errors: Error[] = [];
  pausedDuringHandler: boolean[] = [];
  constructor(
    private readonly client: FakeClient,
    private readonly delayMs = 0,
  ) {}
  async onEvents(events: RecordedEvent[]): Promise<void> {
    this.batches.push(events);
    this.pausedDuringHandler.push(this.client.current.isPaused());
    if (this.delayMs) await sleep(this.delayMs);
  }
  onCaughtUp(position: number | undefined): void {
    this.caughtUps.push(position);
  }
  onError(error: Error): void {
    this.errors.push(error);
  }
  get positions(): number[] {
    return this.batches.flat().map((e) => e.position);
  }
}

/**
 * Barrier for "it does not reconnect": with the clock faked from here on, runs every timer set
 * within the longest retry delay (5 s) and the promises between them; any reconnection would be
 * one of them. (setImmediate stays real: the stand-in client delivers with it.)
 */
async function runPendingRetries(): Promise<void> {
  await jest.advanceTimersByTimeAsync(10_000);
  expect(jest.getTimerCount()).toBe(0);
}

function subscribe(client: FakeClient, handler: SubscriptionHandler, options: SubscribeOptions = {}): EsdbSubscription {
  const subscription = new EsdbSubscription(client as unknown as EventStoreDBClient, handler, options, () => undefined);
  subscription.start();
  return subscription;
}

describe('EsdbSubscription', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('delivers stored events in batches, pauses the stream while the handler runs, then signals caught-up', async () => {
    const client = new FakeClient();
    for (let p = 1; p <= 30; p++) client.log.push(resolved(p * 100));
    const recorder = new Recorder(client, 3);
    const subscription = subscribe(client, recorder);
    await waitFor('caught up', () => recorder.caughtUps.length > 0);
    expect(recorder.positions).toEqual(client.log.map((e) => Number(e.event!.position.commit)));
    expect(recorder.caughtUps).toEqual([3000]);
    expect(recorder.batches.length).toBeLessThan(30);
    expect(recorder.pausedDuringHandler.every(Boolean)).toBe(true);
    expect(client.subscriptions[0].options.fromPosition).toBe('start');
    await subscription.stop();
    expect(client.current.unsubscribed).toBe(true);
  });

  it('signals caught-up only once the events still buffered in the paused stream are handled', async () => {
    const client = new FakeClient();
    client.sendCaughtUp = false;
    const recorder = new Recorder(client, 20);
    const subscription = subscribe(client, recorder);
    await waitFor('the subscription', () => client.subscriptions.length === 1);
    for (let p = 1; p <= 5; p++) client.append(resolved(p * 100));
    await waitFor('a handler call', () => recorder.batches.length === 1);
    for (let p = 6; p <= 15; p++) client.append(resolved(p * 100));
    client.current.write({ caughtUp: true });
    await waitFor('caught up', () => recorder.caughtUps.length > 0);
    expect(recorder.caughtUps).toEqual([1500]);
    expect(recorder.positions).toHaveLength(15);
    await subscription.stop();
  });

  it('starts after the given position, skips system events and other prefixes, and signals caught-up after live batches', async () => {
    const client = new FakeClient();
    client.log.push(resolved(100, 'dossier-1'), resolved(200, 'dossier-1'), resolved(300, '$stats-node', '$statsCollected'));
    client.log.push(resolved(400, 'catalog-1'), resolved(500, 'dossier-2', '$metadata'), resolved(600, 'dossier-2'));
    const recorder = new Recorder(client);
    const subscription = subscribe(client, recorder, { afterPosition: 100, streamPrefixes: ['dossier-'] });
    await waitFor('caught up', () => recorder.caughtUps.length > 0);
    expect(recorder.positions).toEqual([200, 600]);
    expect(client.subscriptions[0].options.fromPosition).toEqual({ commit: 100n, prepare: 100n });
    expect(client.subscriptions[0].options.filter).toMatchObject({ prefixes: ['dossier-'] });

    client.append(resolved(700, 'dossier-3'));
    await waitFor('the live event', () => recorder.positions.length === 3);
    await waitFor('caught up again', () => recorder.caughtUps.length === 2);
    expect(recorder.caughtUps).toEqual([600, 700]);
    await subscription.stop();
  });

  it('resumes after a dropped connection from the last delivered event, delivering each event once', async () => {
    const client = new FakeClient();
    for (let p = 1; p <= 10; p++) client.log.push(resolved(p * 10));
    const recorder = new Recorder(client, 5);
    const subscription = subscribe(client, recorder);
    await waitFor('caught up', () => recorder.caughtUps.length > 0);

    client.append(resolved(110));
    client.append(resolved(120));
    await waitFor('a live event', () => recorder.positions.includes(110));
    const deliveredBeforeDrop = recorder.positions.length;
    client.current.emit('error', new UnavailableError());
    client.log.push(resolved(130), resolved(140)); // written while disconnected
    await waitFor('a second subscription', () => client.subscriptions.length === 2, 5000);
    const lastDelivered = recorder.positions[deliveredBeforeDrop - 1];
    expect(client.subscriptions[1].options.fromPosition).toEqual({ commit: BigInt(lastDelivered), prepare: BigInt(lastDelivered) });
    await waitFor('events after the drop', () => recorder.positions.includes(140));
    client.append(resolved(150));
    await waitFor('live again', () => recorder.positions.includes(150));
    await subscription.stop();

    expect(recorder.positions).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150]);
    expect(recorder.errors).toEqual([]);
    expect(client.subscriptions[0].stream.unsubscribed).toBe(true);
  });

  it('stops with onError on an error that retrying cannot fix', async () => {
    const client = new FakeClient();
    const recorder = new Recorder(client);
    subscribe(client, recorder);
    await waitFor('caught up', () => recorder.caughtUps.length > 0);
    const denied = new AccessDeniedError();
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    client.current.emit('error', denied);
    await runPendingRetries();
    expect(recorder.errors).toHaveLength(1);
    expect(recorder.errors[0]).toBe(denied);
    expect(client.subscriptions).toHaveLength(1);
  });

  it('stop() waits for the handler in flight and does not reconnect', async () => {
    const client = new FakeClient();
    client.log.push(resolved(10));
    let finished = false;
    const subscription = subscribe(client, {
      onEvents: async () => {
        await sleep(50);
        finished = true;
      },
    });
    await waitFor('the delivery', () => client.current.isPaused());
    await subscription.stop();
    expect(finished).toBe(true);
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    client.current.emit('error', new UnavailableError());
    await runPendingRetries();
    expect(client.subscriptions).toHaveLength(1);
  });
});
