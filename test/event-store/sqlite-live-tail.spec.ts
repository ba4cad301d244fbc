/**
 * The embedded store answers a live data subscription (the projector's) from the events it
 * committed last, kept in memory, instead of reading them back from the file: what it delivers
 * must be what a read of the file gives, in order, once each, never before the flush that makes
 * them durable, and never an event of a transaction that rolled back. Real files throughout.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { EventToAppend, LoggedEvent, Subscription } from '../../src/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { heldFlushes, waitFor } from './contract-support.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-live-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let ids = 0;
const event = (n: number, extra: Record<string, unknown> = {}): EventToAppend => ({
  id: `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  type: n % 2 === 0 ? 'Even' : 'Odd',
  data: { n, text: `é "quoted" ${n}`, list: [n, null, { deep: true }], nothing: null, ...extra },
});

/** Records what a data subscription delivers. */
function recorder(store: SqliteEventStore, afterPosition?: number) {
  const delivered: LoggedEvent[] = [];
  let caughtUp: number | undefined = -1;
  const subscription: Subscription = store.subscribeToAllData(
    { onEvents: (events) => void delivered.push(...events), onCaughtUp: (position) => (caughtUp = position) },
    afterPosition === undefined ? {} : { afterPosition },
  );
  return {
    delivered,
    subscription,
    until: (position: number) =>
      waitFor(`delivery up to ${position}`, () => delivered.length > 0 && delivered[delivered.length - 1].position >= position && caughtUp === position, 10_000),
  };
}

/** Appends `count` events, one stream each, all in one turn (one group commit), and returns the last position. */
async function burst(store: SqliteEventStore, from: number, count: number): Promise<number> {
  const results = await Promise.all(Array.from({ length: count }, (_, i) => store.append(`s-${from + i}`, [event(from + i)], 'no_stream')));
  return Math.max(...results.map((r) => r.position));
}

describe('SQLite store: live data subscriptions from the events committed last', () => {
  it('delivers what a read of the file gives, from memory while it keeps up', async () => {
    const store = SqliteEventStore.open({ file: join(dir, 'live.db') });
    const rec = recorder(store);
    let head = 0;
    for (let round = 0; round < 20; round++) head = await burst(store, round * 50, 50);
    // Streams of several events in one append, and appends to existing streams.
    const more = await store.append('s-0', [event(1000), event(1001), event(1002)], 0);
    head = more.position;
    await rec.until(head);
    await rec.subscription.stop();
    const file = await store.readAllData();
    expect(file).toHaveLength(1003);
    expect(rec.delivered).toEqual(file);
    expect(rec.delivered.map((e) => e.position)).toEqual(file.map((e) => e.position));
    expect(store.liveReads.memory).toBeGreaterThan(0);
    await store.close();
  });

  it('a subscription further behind than the tail reads the file, then memory once it is close', async () => {
    const store = SqliteEventStore.open({ file: join(dir, 'behind.db') });
    let head = 0;
    // Far more than the tail holds (1,024 to 2,048 events): the oldest events are no longer in memory.
    for (let round = 0; round < 10; round++) head = await burst(store, round * 1000, 1000);
    const rec = recorder(store);
    await rec.until(head);
    const fileReads = store.liveReads.file;
    expect(fileReads).toBeGreaterThan(0);
    head = await burst(store, 20_000, 30);
    await rec.until(head);
    expect(store.liveReads.memory).toBeGreaterThan(0);
    expect(store.liveReads.file).toBe(fileReads);
    await rec.subscription.stop();
    expect(rec.delivered).toEqual(await store.readAllData());
    expect(new Set(rec.delivered.map((e) => e.position)).size).toBe(rec.delivered.length);
    await store.close();
  });

  it('starting mid-log, delivers only what follows its position', async () => {
    const store = SqliteEventStore.open({ file: join(dir, 'mid.db') });
    const first = await burst(store, 0, 40);
    const rec = recorder(store, first - 10);
    const head = await burst(store, 40, 40);
    await rec.until(head);
    await rec.subscription.stop();
    expect(rec.delivered).toEqual(await store.readAllData({ afterPosition: first - 10 }));
    await store.close();
  });

  it('never delivers an event of a transaction that rolled back, and the positions reused later are the new events', async () => {
    const store = SqliteEventStore.open({ file: join(dir, 'rollback.db') });
    // A write error in the middle of a group commit (as disk full would be): the whole batch fails.
    (store as unknown as { db: { exec(sql: string): void } }).db.exec(
      `CREATE TRIGGER refuse AFTER INSERT ON events WHEN json_extract(NEW.data, '$.n') = 7 BEGIN SELECT RAISE(ABORT, 'refused'); END;`,
    );
    const rec = recorder(store);
    const ok = await burst(store, 0, 5);
    const failing = Promise.allSettled([5, 6, 7, 8].map((n) => store.append(`s-${n}`, [event(n)], 'no_stream')));
    expect((await failing).map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    const head = await burst(store, 100, 5);
    expect(head).toBe(ok + 5);
    await rec.until(head);
    await rec.subscription.stop();
    const file = await store.readAllData();
    expect(file.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 100, 101, 102, 103, 104]);
    expect(rec.delivered).toEqual(file);
    await store.close();
  });

  it('delivers nothing before the flush that makes it durable', async () => {
    const flushes = heldFlushes();
    const store = SqliteEventStore.open({ file: join(dir, 'held.db'), syncFile: flushes.syncFile });
    const rec = recorder(store);
    await nextTurn();
    const a = store.append('s-1', [event(1)], 'no_stream');
    while (flushes.held.length === 0) await nextTurn();
    // Barrier: the subscription's next read of the log (its safety-net poll, within a second) finds nothing yet.
    const reads = store.liveReads.memory + store.liveReads.file;
    await waitFor('a read of the log', () => store.liveReads.memory + store.liveReads.file > reads, 5000);
    expect(rec.delivered).toEqual([]);
    flushes.release();
    const { position } = await a;
    await rec.until(position);
    expect(rec.delivered.map((e) => e.data)).toEqual([(await store.readAllData())[0].data]);
    await rec.subscription.stop();
    await store.close();
  });

  it('a store that shares its file reads every live event from the file', async () => {
    const store = SqliteEventStore.open({ file: join(dir, 'shared.db'), locking: 'shared' });
    const rec = recorder(store);
    const head = await burst(store, 0, 20);
    await rec.until(head);
    await rec.subscription.stop();
    expect(rec.delivered).toEqual(await store.readAllData());
    expect(store.liveReads.memory).toBe(0);
    await store.close();
  });
});
