import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { EventStoreClosedError, WrongExpectedRevisionError } from '../../src/event-store/errors.js';
import type { JsonObject, EventStore, ExpectedRevision, LoggedEvent, RecordedEvent } from '../../src/event-store/event-store.port.js';
import { recordedAtOf } from '../../src/event-store/event-store.port.js';
import { Fixtures } from './contract-support.js';
import { runAppendLoopAndKill } from './append-loop-runner.js';
import { describeSubscriptionContract } from './subscription-contract.js';

export interface ContractCapabilities {
  /** Positions are consecutive integers: the embedded store promises it, EventStoreDB does not. */
  gaplessPositions: boolean;
  /** This store is the only writer of its log, so the head is exactly the last append. */
  exclusiveLog: boolean;
  /** onCaughtUp is called only once every append acknowledged before the call has been delivered. */
  linearizableCaughtUp: boolean;
}

export interface EventStoreFactory {
  /** A store over the adapter's test data; the suite closes every store it opens. */
  open(): Promise<EventStore>;
  /** Opens the same data again after the suite closed its store (defaults to `open`). */
  reopen?(): Promise<EventStore>;
  /** How the crash test's child process (append-loop.ts) reaches the same data. */
  child: { kind: 'sqlite' | 'esdb'; target: string };
  capabilities: ContractCapabilities;
  /** Why the adapter cannot be reached here: the whole suite is then reported as skipped, not passed. */
  skip?: string;
}

/** The suite's current store: tests that reopen it replace it for those that follow. */
export interface StoreRef {
  current: EventStore;
  reopen(): Promise<EventStore>;
}

/** Every promise of the event-store port, as one suite that each adapter must pass. */
export function describeEventStoreContract(name: string, factory: EventStoreFactory): void {
  const suite = factory.skip === undefined ? describe : describe.skip;
  suite(`EventStore contract: ${name}${factory.skip === undefined ? '' : ` (skipped: ${factory.skip})`}`, () => {
    const fx = new Fixtures(name.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
    const caps = factory.capabilities;
    const ref = { current: undefined as unknown as EventStore } as StoreRef;
    ref.reopen = async () => {
      await ref.current.close();
      ref.current = factory.reopen ? await factory.reopen() : await factory.open();
      return ref.current;
    };

    beforeAll(async () => {
      ref.current = await factory.open();
    });
    afterAll(async () => {
      await ref.current.close();
    });

    async function conflict(append: Promise<unknown>, streamId: string, expected: ExpectedRevision, actual: number | 'no_stream') {
      const error = await append.then(
        () => new Error('the append succeeded, a WrongExpectedRevisionError was expected'),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(error).toMatchObject({ streamId, expected, actual });
    }

    function expectIncreasing(positions: number[]) {
      positions.slice(1).forEach((p, i) => expect(p).toBeGreaterThan(positions[i]));
    }

    function expectGapless(positions: number[]) {
      expect(positions).toEqual(positions.map((_, i) => positions[0] + i));
    }

    it('appends with 0-based revisions and returns the next expected revision and each event position', async () => {
      const store = ref.current;
      const s = fx.stream();
      const events = fx.events(3);
      const first = await store.append(s, events, 'no_stream');
      expect(first.nextExpectedRevision).toBe(2);
      expect(first.events.map((e) => [e.id, e.revision])).toEqual(events.map((e, i) => [e.id, i]));
      expectIncreasing(first.events.map((e) => e.position));
      expect(first.position).toBe(first.events[2].position);

      const second = await store.append(s, fx.events(2), first.nextExpectedRevision);
      expect(second.nextExpectedRevision).toBe(4);
      expect(second.events.map((e) => e.revision)).toEqual([3, 4]);
      expect(second.events[0].position).toBeGreaterThan(first.position);

      const stored = await store.readStream(s);
      expect(stored.map((e) => ({ id: e.id, revision: e.revision, position: e.position }))).toEqual([...first.events, ...second.events]);
      expect(stored.every((e) => e.streamId === s && e.type === 'Tested')).toBe(true);
      if (caps.gaplessPositions) expectGapless(stored.map((e) => e.position));
    });

    it('expected revision no_stream: creates the stream, conflicts once it exists', async () => {
      const store = ref.current;
      const s = fx.stream();
      await store.append(s, fx.events(2), 'no_stream');
      await conflict(store.append(s, fx.events(1), 'no_stream'), s, 'no_stream', 1);
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('expected revision stream_exists: conflicts on a missing stream, appends to an existing one', async () => {
      const store = ref.current;
      const s = fx.stream();
      await conflict(store.append(s, fx.events(1), 'stream_exists'), s, 'stream_exists', 'no_stream');
      expect(await store.readStream(s)).toEqual([]);
      await store.append(s, fx.events(1), 'any');
      const result = await store.append(s, fx.events(1), 'stream_exists');
      expect(result.nextExpectedRevision).toBe(1);
    });

    it('expected revision number: appends at the current revision, conflicts when stale, ahead or missing', async () => {
      const store = ref.current;
      const s = fx.stream();
      await conflict(store.append(s, fx.events(1), 0), s, 0, 'no_stream');
      await store.append(s, fx.events(1), 'no_stream');
      await store.append(s, fx.events(1), 0);
      await conflict(store.append(s, fx.events(1), 0), s, 0, 1);
      await conflict(store.append(s, fx.events(1), 5), s, 5, 1);
      expect((await store.append(s, fx.events(1), 1)).nextExpectedRevision).toBe(2);
      expect(await store.readStream(s)).toHaveLength(3);
    });

    it('expected revision any: appends whether or not the stream exists', async () => {
      const store = ref.current;
      const s = fx.stream();
      expect((await store.append(s, fx.events(1), 'any')).nextExpectedRevision).toBe(0);
      expect((await store.append(s, fx.events(2), 'any')).nextExpectedRevision).toBe(2);
    });

    it('an append that fails (its data cannot be serialised) fails alone: appends sent with it are stored', async () => {
      const store = ref.current;
      const [a, bad, c] = [fx.stream(), fx.stream(), fx.stream()];
      const [broken] = fx.events(1);
      const results = await Promise.allSettled([
        store.append(a, fx.events(1), 'no_stream'),
        store.append(bad, [{ ...broken, data: { n: 10n } as unknown as JsonObject }], 'no_stream'),
        store.append(c, fx.events(1), 'no_stream'),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await store.readStream(bad)).toEqual([]);
      expect(await store.readStream(a)).toHaveLength(1);
      expect(await store.readStream(c)).toHaveLength(1);
    });

    it('stores the same event ids once and answers a repeated append with the original result', async () => {
      const store = ref.current;
      const s = fx.stream();
      const batch = fx.events(2);
      const original = await store.append(s, batch, 'no_stream');
      expect(await store.append(s, batch, 'no_stream')).toEqual(original);
      const next = [fx.event()];
      const single = await store.append(s, next, 1);
      expect(await store.append(s, next, 1)).toEqual(single);
      expect(await store.append(s, next, 'any')).toEqual(single);
      expect((await store.readStream(s)).map((e) => e.id)).toEqual([...batch, ...next].map((e) => e.id));
    });

    it('reads a stream forwards and backwards from a revision, with maxCount; an unknown stream reads as []', async () => {
      const store = ref.current;
      const s = fx.stream();
      await store.append(s, fx.events(10), 'no_stream');
      const revisions = async (options: Parameters<EventStore['readStream']>[1]) =>
        (await store.readStream(s, options)).map((e) => e.revision);
      expect(await revisions({})).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(await revisions({ fromRevision: 3, maxCount: 4 })).toEqual([3, 4, 5, 6]);
      expect(await revisions({ fromRevision: 'start', maxCount: 2 })).toEqual([0, 1]);
      expect(await revisions({ fromRevision: 8, maxCount: 10 })).toEqual([8, 9]);
      expect(await revisions({ fromRevision: 10 })).toEqual([]);
      expect(await revisions({ direction: 'backwards' })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      expect(await revisions({ direction: 'backwards', fromRevision: 6, maxCount: 3 })).toEqual([6, 5, 4]);
      expect(await revisions({ direction: 'backwards', fromRevision: 'end', maxCount: 2 })).toEqual([9, 8]);
      expect(await store.readStream(fx.stream('never-written'))).toEqual([]);
      expect(await store.readStream(fx.stream('never-written'), { direction: 'backwards', maxCount: 5 })).toEqual([]);
    });

    it('reads the global log after a position (exclusive), in position order, with prefix filter and maxCount', async () => {
      const store = ref.current;
      const before = await store.headPosition();
      const [a, b] = [fx.prefix(), fx.prefix()];
      const appended: string[] = [];
      for (const [stream, n] of [[`${a}1`, 2], [`${b}1`, 1], [`${a}2`, 1], [`${b}1`, 2], [`${a}1`, 1]] as const) {
        const events = fx.events(n);
        await store.append(stream, events, 'any');
        appended.push(...events.map((e) => e.id));
      }
      const all = await store.readAll({ afterPosition: before, streamPrefixes: [a, b] });
      expect(all.map((e) => e.id)).toEqual(appended);
      expectIncreasing(all.map((e) => e.position));
      expect((await store.readAll({ afterPosition: before, streamPrefixes: [a] })).map((e) => e.streamId)).toEqual(
        [`${a}1`, `${a}1`, `${a}2`, `${a}1`],
      );
      expect(await store.readAll({ afterPosition: all[0].position, streamPrefixes: [a, b] })).toEqual(all.slice(1));
      expect(await store.readAll({ afterPosition: before, streamPrefixes: [a, b], maxCount: 3 })).toEqual(all.slice(0, 3));
      expect(await store.readAll({ afterPosition: all[all.length - 1].position, streamPrefixes: [a, b] })).toEqual([]);
      const byStream = [...(await store.readStream(`${a}1`)), ...(await store.readStream(`${a}2`)), ...(await store.readStream(`${b}1`))];
      expect(byStream.sort((x, y) => x.position - y.position)).toEqual(all);
      if (caps.exclusiveLog) expect(await store.readAll({ afterPosition: before })).toEqual(all);
    });

    it('readAllData reads the same events as readAll with the same options, without metadata, id and created but with the recorded instant', async () => {
      const store = ref.current;
      const before = await store.headPosition();
      const [a, b] = [fx.prefix(), fx.prefix()];
      await store.append(`${a}1`, [{ id: randomUUID(), type: 'T', data: { n: 1, text: 'Hồ sơ', nested: { list: [1, null] } }, metadata: { actor: 'x' } }], 'any');
      await store.append(`${b}1`, fx.events(2), 'any');
      await store.append(`${a}1`, fx.events(1), 'any');
      const lean = (e: RecordedEvent) => ({ streamId: e.streamId, type: e.type, revision: e.revision, position: e.position, data: e.data, recordedAt: recordedAtOf(e) });
      for (const options of [
        { afterPosition: before, streamPrefixes: [a, b] },
        { afterPosition: before, streamPrefixes: [a] },
        { afterPosition: before, streamPrefixes: [a, b], maxCount: 2 },
      ]) {
        const expected = (await store.readAll(options)).map(lean);
        expect(expected.length).toBeGreaterThan(0);
        expect(await store.readAllData(options)).toStrictEqual(expected);
      }
      const all = await store.readAllData({ afterPosition: before, streamPrefixes: [a, b] });
      expect(await store.readAllData({ afterPosition: all[all.length - 1].position, streamPrefixes: [a, b] })).toEqual([]);
    });

    it('readAllDataPages reads what readAllData reads, in pages, up to the head as it was when the read began', async () => {
      const store = ref.current;
      const before = (await store.headPosition()) ?? 0;
      const a = fx.prefix();
      await store.append(`${a}1`, [{ id: randomUUID(), type: 'T', data: { text: 'Hồ sơ "một"', list: [1, null, { x: 'y' }] } }], 'any');
      for (let i = 0; i < 4; i++) await store.append(`${a}${i % 2}`, fx.events(3), 'any');
      const expected = await store.readAllData({ afterPosition: before });
      const pages: LoggedEvent[][] = [];
      for await (const page of store.readAllDataPages({ afterPosition: before, pageSize: 4 })) {
        pages.push(page);
        // Appended after the read began: not part of it.
        if (pages.length === 1) await store.append(`${a}late`, fx.events(2), 'any');
      }
      const mine = (events: LoggedEvent[]) => events.filter((e) => e.streamId.startsWith(a));
      expect(pages.every((p) => p.length > 0 && p.length <= 4)).toBe(true);
      expect(mine(pages.flat())).toStrictEqual(mine(expected));
      expect(mine(pages.flat()).some((e) => e.streamId === `${a}late`)).toBe(false);
      if (caps.exclusiveLog) expect(pages.flat()).toStrictEqual(expected);
      // Left early: nothing more is read, and the store goes on.
      for await (const page of store.readAllDataPages({ afterPosition: before, pageSize: 2 })) {
        expect(page.length).toBe(2);
        if (caps.exclusiveLog) expect(page).toStrictEqual(expected.slice(0, 2));
        break;
      }
      const last = expected[expected.length - 1].position;
      const rest = await store.readAllData({ afterPosition: last });
      expect(rest.map((e) => e.streamId)).toEqual(expect.arrayContaining([`${a}late`]));
    });

    it('round-trips data and metadata exactly: nested objects, Vietnamese text, numbers, null, arrays', async () => {
      const store = ref.current;
      const s = fx.stream();
      const data = {
        title: 'Hồ sơ đăng ký hộ kinh doanh',
        applicant: { name: 'Nguyễn Thị Ánh Tuyết', address: { line: 'Số 12, ngõ 34 phố Trần Hưng Đạo', ward: 'Phường Hàng Bài', city: 'Hà Nội' } },
        note: 'Đã tiếp nhận — chờ bổ sung “bản sao trích lục”; ghi chú: ổn định, đầy đủ.',
        symbols: '📄✅ quote " backslash \\ newline \n tab \t',
        numbers: { zero: 0, negative: -17, fraction: 3.14159, tiny: 1e-7, large: Number.MAX_SAFE_INTEGER, fee: 150000.5 },
        nothing: null,
        flags: [true, false],
        list: [1, 'hai', null, { ba: [3, [4]] }, []],
        empty: {},
        emptyText: '',
        deep: { a: { b: { c: { d: { e: 'sâu' } } } } },
      };
      const metadata = { correlationId: fx.id(), causationId: null, actor: { kind: 'officer', name: 'Trần Văn Bình' }, tags: ['một', 'hai'] };
      const before = await store.headPosition();
      await store.append(s, [fx.event('DossierReceived', data, metadata), fx.event('DossierNoted', { n: 1 })], 'no_stream');
      const [withMeta, withoutMeta] = await store.readStream(s);
      expect(withMeta.data).toStrictEqual(data);
      expect(withMeta.metadata).toStrictEqual(metadata);
      expect(withMeta.type).toBe('DossierReceived');
      expect(withoutMeta.metadata).toStrictEqual({});
      for (const e of [withMeta, withoutMeta]) expect(new Date(e.created).toISOString()).toBe(e.created);
      expect(await store.readAll({ afterPosition: before, streamPrefixes: [s] })).toStrictEqual([withMeta, withoutMeta]);
    });

    it('answers ping, and headPosition is the position of the last append', async () => {
      const store = ref.current;
      await store.ping();
      const result = await store.append(fx.stream(), fx.events(2), 'no_stream');
      const head = await store.headPosition();
      if (caps.exclusiveLog) expect(head).toBe(result.position);
      else expect(head).toBeGreaterThanOrEqual(result.position);
    });

    it('keeps everything across close and reopen, and appends continue where they stopped', async () => {
      const s = fx.stream();
      await ref.current.append(s, fx.events(3), 'no_stream');
      const stream = await ref.current.readStream(s);
      const head = await ref.current.headPosition();
      const log = caps.exclusiveLog ? await ref.current.readAll() : [];
      const store = await ref.reopen();
      expect(await store.readStream(s)).toEqual(stream);
      if (caps.exclusiveLog) expect(await store.headPosition()).toBe(head);
      if (caps.exclusiveLog) expect(await store.readAll()).toEqual(log);
      const next = await store.append(s, fx.events(1), 2);
      expect(next.events[0].revision).toBe(3);
      expect(next.position).toBeGreaterThan(head!);
      if (caps.gaplessPositions) expect(next.position).toBe(head! + 1);
    });

    it('close() finishes the appends in flight, then refuses new ones', async () => {
      // The suite's own store: the embedded one holds its file, so a second store could not open it.
      const store = ref.current;
      const s = fx.stream();
      const pending = Array.from({ length: 10 }, () => store.append(s, [fx.event()], 'any'));
      await store.close();
      const results = await Promise.allSettled(pending);
      expect(results.map((r) => r.status)).toEqual(Array(10).fill('fulfilled'));
      await expect(store.append(s, [fx.event()], 'any')).rejects.toBeInstanceOf(EventStoreClosedError);
      expect(await (await ref.reopen()).readStream(s)).toHaveLength(10);
    });

    it.each([
      ['an existing stream at revision 0', 0 as ExpectedRevision, 1 as const],
      ['a new stream with no_stream', 'no_stream' as ExpectedRevision, 0 as const],
    ])('50 concurrent appends to %s: exactly one succeeds, the others get WrongExpectedRevisionError', async (_, expected, actual) => {
      const store = ref.current;
      const s = fx.stream();
      if (expected === 0) await store.append(s, [fx.event()], 'no_stream');
      const attempts = Array.from({ length: 50 }, () => [fx.event()]);
      const results = await Promise.allSettled(attempts.map((events) => store.append(s, events, expected)));
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [attempts[i][0].id] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(WrongExpectedRevisionError);
          expect(r.reason).toMatchObject({ streamId: s, expected, actual });
        }
      }
      const stored = await store.readStream(s);
      expect(stored.map((e) => e.id).slice(-1)).toEqual(winners);
      expect(stored).toHaveLength(actual + 1);
    });

    it('every append acknowledged by a process killed with SIGKILL is there afterwards', async () => {
      const s = fx.stream('crash');
      // The child process writes the same data: the suite's store lets go of it first.
      await ref.current.close();
      const acknowledged = await runAppendLoopAndKill(factory.child, s, { killAfter: 25 });
      expect(acknowledged.length).toBeGreaterThanOrEqual(25);
      const store = await ref.reopen();
      const stored = await store.readStream(s);
      expect(stored.map((e) => e.revision)).toEqual(stored.map((_, i) => i));
      for (const ack of acknowledged) expect(stored[ack.revision]).toMatchObject({ revision: ack.revision, position: ack.position });
      expectIncreasing(stored.map((e) => e.position));
      if (caps.gaplessPositions) expectGapless((await store.readAll()).map((e) => e.position));
    });

    describeSubscriptionContract(fx, ref, caps);
  });
}
