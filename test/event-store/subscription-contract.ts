import { expect, it } from '@jest/globals';
import type { EventStore, ExpectedRevision, LoggedEvent, RecordedEvent, SubscriptionHandler } from '../../src/event-store/event-store.port.js';
import { recordedAtOf } from '../../src/event-store/event-store.port.js';
import type { ContractCapabilities, StoreRef } from './contract.js';
import { sleep, waitFor, type Fixtures } from './contract-support.js';

interface CaughtUp {
  position: number | undefined;
  /** Positions of the appends acknowledged when onCaughtUp was called. */
  acknowledged: number[];
  /** Positions delivered when onCaughtUp was called. */
  delivered: Set<number>;
}

/** A handler that records what it receives and checks that batches never overlap. */
class Recorder implements SubscriptionHandler {
  readonly delivered: RecordedEvent[] = [];
  readonly caughtUps: CaughtUp[] = [];
  readonly errors: Error[] = [];
  overlapped = false;
  private inside = false;

  constructor(private readonly options: { delayMs?: number; acknowledged?: Set<number> } = {}) {}

  async onEvents(events: RecordedEvent[]): Promise<void> {
    if (this.inside) this.overlapped = true;
    this.inside = true;
    this.delivered.push(...events);
    if (this.options.delayMs) await sleep(this.options.delayMs);
    this.inside = false;
  }

  onCaughtUp(position: number | undefined): void {
    this.caughtUps.push({
      position,
      acknowledged: [...(this.options.acknowledged ?? [])],
      delivered: new Set(this.delivered.map((e) => e.position)),
    });
  }

  onError(error: Error): void {
    this.errors.push(error);
  }

  caughtUpAt(position: number): boolean {
    return this.caughtUps.some((c) => c.position !== undefined && c.position >= position);
  }
}

export function describeSubscriptionContract(fx: Fixtures, ref: StoreRef, caps: ContractCapabilities): void {
  /** Appends `perStream` times to each stream (1 to 3 events each), the streams concurrently. */
  async function burst(store: EventStore, streams: string[], perStream: number, next: Map<string, ExpectedRevision>, acknowledged: Set<number>) {
    await Promise.all(
      streams.map(async (s) => {
        for (let i = 0; i < perStream; i++) {
          const result = await store.append(s, fx.events(1 + (i % 3)), next.get(s) ?? 'no_stream');
          next.set(s, result.nextExpectedRevision);
          for (const e of result.events) acknowledged.add(e.position);
        }
      }),
    );
  }

  it('a subscription started before, during and after a burst of appends delivers each event once, in order, and signals caught-up', async () => {
    const store = ref.current;
    const prefix = fx.prefix();
    const streams = [0, 1, 2, 3, 4].map((i) => `${prefix}${i}`);
    const next = new Map<string, ExpectedRevision>();
    const acknowledged = new Set<number>();
    const before = await store.headPosition();

    await burst(store, streams, 4, next, acknowledged);
    const storedBeforeSubscribing = [...acknowledged];
    const recorder = new Recorder({ delayMs: 2, acknowledged });
    const subscription = store.subscribeToAll(recorder, { afterPosition: before, streamPrefixes: [prefix] });
    await burst(store, streams, 8, next, acknowledged);
    await waitFor('the first caught-up signal', () => recorder.caughtUps.length > 0);
    await burst(store, streams, 4, next, acknowledged);

    const expected = await store.readAll({ afterPosition: before, streamPrefixes: [prefix] });
    expect(expected).toHaveLength(acknowledged.size);
    const last = expected[expected.length - 1].position;
    await waitFor('every event delivered and caught up', () => recorder.delivered.length >= expected.length && recorder.caughtUpAt(last));
    await subscription.stop();

    expect(recorder.errors).toEqual([]);
    expect(recorder.overlapped).toBe(false);
    expect(recorder.delivered).toEqual(expected);
    const first = recorder.caughtUps[0];
    expect(storedBeforeSubscribing.filter((p) => !first.delivered.has(p))).toEqual([]);
    if (caps.linearizableCaughtUp) {
      for (const c of recorder.caughtUps) expect(c.acknowledged.filter((p) => !c.delivered.has(p))).toEqual([]);
    }
  });

  it('a subscription delivers only events after its start position and within its prefixes, then live ones', async () => {
    const store = ref.current;
    const [a, b] = [fx.prefix(), fx.prefix()];
    const before = await store.headPosition();
    const appendAll = async (plan: [string, number][]) => {
      for (const [s, n] of plan) await store.append(s, fx.events(n), 'any');
    };
    await appendAll([[`${a}1`, 2], [`${b}1`, 1], [`${a}2`, 1], [`${b}1`, 1], [`${a}1`, 1]]);
    const stored = await store.readAll({ afterPosition: before, streamPrefixes: [a] });
    const recorder = new Recorder();
    const subscription = store.subscribeToAll(recorder, { afterPosition: stored[0].position, streamPrefixes: [a] });
    await waitFor('caught up', () => recorder.caughtUps.length > 0);
    expect(recorder.delivered).toEqual(stored.slice(1));

    // The last event is in `a`: had any `b` event been delivered, it would have come before it.
    await appendAll([[`${b}1`, 1], [`${a}3`, 1], [`${b}2`, 2], [`${a}1`, 1]]);
    const all = await store.readAll({ afterPosition: before, streamPrefixes: [a] });
    await waitFor('live events', () => recorder.delivered.length >= all.length - 1);
    await subscription.stop();
    expect(recorder.delivered).toEqual(all.slice(1));
    expect(recorder.errors).toEqual([]);
  });

  it('a subscription without prefixes delivers every stream but no system event', async () => {
    const store = ref.current;
    const prefix = fx.prefix();
    const before = await store.headPosition();
    const recorder = new Recorder();
    const subscription = store.subscribeToAll(recorder, { afterPosition: before });
    for (const s of [`${prefix}x`, `${prefix}y`]) await store.append(s, fx.events(2), 'no_stream');
    const ours = await store.readAll({ afterPosition: before, streamPrefixes: [prefix] });
    const mine = () => recorder.delivered.filter((e) => e.streamId.startsWith(prefix));
    await waitFor('our events', () => mine().length >= ours.length);
    await subscription.stop();
    expect(mine()).toEqual(ours);
    expect(recorder.delivered.filter((e) => e.type.startsWith('$') || e.streamId.startsWith('$'))).toEqual([]);
  });

  it('subscribeToAllData delivers what subscribeToAll delivers, each event without metadata, id and created but with the recorded instant', async () => {
    const store = ref.current;
    const prefix = fx.prefix();
    const before = await store.headPosition();
    await store.append(`${prefix}x`, fx.events(2), 'no_stream');
    const delivered: LoggedEvent[] = [];
    let caughtUp: number | undefined;
    const subscription = store.subscribeToAllData(
      { onEvents: (events) => void delivered.push(...events), onCaughtUp: (position) => (caughtUp = position) },
      { afterPosition: before, streamPrefixes: [prefix] },
    );
    await store.append(`${prefix}y`, fx.events(3), 'no_stream');
    const expected = (await store.readAll({ afterPosition: before, streamPrefixes: [prefix] })).map((e) => ({
      streamId: e.streamId,
      type: e.type,
      revision: e.revision,
      position: e.position,
      data: e.data,
      recordedAt: recordedAtOf(e),
    }));
    await waitFor('our events', () => delivered.length >= expected.length && caughtUp !== undefined);
    await subscription.stop();
    expect(delivered.map((e) => ({ streamId: e.streamId, type: e.type, revision: e.revision, position: e.position, data: e.data, recordedAt: recordedAtOf(e) }))).toEqual(expected);
    if (caps.exclusiveLog) expect(delivered).toStrictEqual(expected);
  });

  it('callbacks never run before subscribeToAll has returned', async () => {
    const store = ref.current;
    const s = fx.stream();
    const before = await store.headPosition();
    await store.append(s, fx.events(1), 'no_stream');
    let returned = false;
    const early: string[] = [];
    const recorder = new Recorder();
    const subscription = store.subscribeToAll(
      {
        onEvents: (events) => {
          if (!returned) early.push('onEvents');
          return recorder.onEvents(events);
        },
        onCaughtUp: (position) => {
          if (!returned) early.push('onCaughtUp');
          recorder.onCaughtUp(position);
        },
      },
      { afterPosition: before, streamPrefixes: [s] },
    );
    returned = true;
    await waitFor('caught up', () => recorder.caughtUps.length > 0);
    await subscription.stop();
    expect(early).toEqual([]);
    expect(recorder.delivered.map((e) => e.streamId)).toEqual([s]);
  });

  it('stop() waits for the handler call in flight, and nothing is delivered afterwards', async () => {
    const store = ref.current;
    const s = fx.stream();
    const before = await store.headPosition();
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    let finished = false;
    const subscription = store.subscribeToAll(
      {
        onEvents: async () => {
          calls += 1;
          await gate;
          finished = true;
        },
      },
      { afterPosition: before, streamPrefixes: [s] },
    );
    await store.append(s, fx.events(1), 'no_stream');
    await waitFor('the first delivery', () => calls === 1);
    let stopped = false;
    let finishedWhenStopped: boolean | undefined;
    const stopping = subscription.stop().then(() => {
      stopped = true;
      finishedWhenStopped = finished;
    });
    // Barrier instead of a sleep: while the handler is held, another subscription is delivered a
    // later append (the store has gone round its loop) and stop() has still not returned.
    const witness = new Recorder();
    const watching = store.subscribeToAll(witness, { afterPosition: before, streamPrefixes: [s] });
    const second = await store.append(s, fx.events(1), 0);
    await waitFor('the witness', () => witness.caughtUpAt(second.position));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finishedWhenStopped).toBe(true);

    // The stopped one is not handed what follows: the witness, woken by the same append, has read past it.
    const third = await store.append(s, fx.events(1), 1);
    await waitFor('the witness', () => witness.caughtUpAt(third.position));
    await watching.stop();
    expect(witness.delivered).toHaveLength(3);
    expect(calls).toBe(1);
  });

  it('a handler that throws stops the subscription and reaches onError', async () => {
    const store = ref.current;
    const s = fx.stream();
    const before = await store.headPosition();
    const failure = new Error('projection failed');
    let calls = 0;
    const errors: Error[] = [];
    const subscription = store.subscribeToAll(
      {
        onEvents: () => {
          calls += 1;
          throw failure;
        },
        onError: (error) => errors.push(error),
      },
      { afterPosition: before, streamPrefixes: [s] },
    );
    await store.append(s, fx.events(1), 'no_stream');
    await waitFor('onError', () => errors.length > 0);
    // Barrier: a witness, woken by the same append, reads past it; the failed one was not called again.
    const witness = new Recorder();
    const watching = store.subscribeToAll(witness, { afterPosition: before, streamPrefixes: [s] });
    const next = await store.append(s, fx.events(1), 0);
    await waitFor('the witness', () => witness.caughtUpAt(next.position));
    await watching.stop();
    await subscription.stop();
    expect(errors).toEqual([failure]);
    expect(calls).toBe(1);
  });
}
