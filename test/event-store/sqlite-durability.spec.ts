/**
 * The embedded store acknowledges an append only once the write-ahead log holding its commit has
 * been flushed (fsync off the event loop), and readers never see a commit before that flush. The
 * flush is held here by a stand-in for fs.fsync that the test releases; the file is real.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { EventStoreWriteError } from '../../src/event-store/errors.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { heldFlushes, sleep, waitFor } from './contract-support.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-durability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const event = (n: number) => ({ id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type: 'Tested', data: { n } });

async function settled<T>(p: Promise<T>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  for (let i = 0; i < 5; i++) await nextTurn();
  return state;
}

describe('SQLite store: acknowledged only once on disk', () => {
  it('resolves an append after the flush that covers its commit; readers see it only then', async () => {
    const flushes = heldFlushes();
    const file = join(dir, 'held.db');
    const store = SqliteEventStore.open({ file, syncFile: flushes.syncFile });
    const delivered: RecordedEvent[] = [];
    let caughtUp = false;
    const sub = store.subscribeToAll({ onEvents: (events) => void delivered.push(...events), onCaughtUp: () => (caughtUp = true) });
    while (!caughtUp) await nextTurn();

    const a = store.append('s-1', [event(1)], 'no_stream');
    expect(await settled(a)).toBe('pending');
    expect(flushes.held).toHaveLength(1);
    // Committed (the stream's own reads see it) but not flushed: not in the log readers are given.
    expect((await store.readStream('s-1')).map((e) => e.revision)).toEqual([0]);
    expect(await store.readAll()).toEqual([]);
    expect(await store.readAllData()).toEqual([]);
    expect(await store.headPosition()).toBeUndefined();

    // Appended while the first flush runs: committed when it ends, acknowledged after the next one.
    const b = store.append('s-1', [event(2)], 0);
    expect(await settled(b)).toBe('pending');
    expect(flushes.held).toHaveLength(1);

    caughtUp = false;
    flushes.release();
    await a;
    expect(await settled(b)).toBe('pending');
    expect((await store.readAll()).map((e) => e.data)).toEqual([{ n: 1 }]);
    expect(await store.headPosition()).toBe((await a).position);
    // Barrier: the subscription is handed a's event, then reads the log again and reports caught
    // up; b, committed but not flushed, was in neither read.
    await waitFor('caught up after the flush', () => caughtUp && delivered.length > 0);
    expect(delivered.map((e) => e.data)).toEqual([{ n: 1 }]);

    expect(flushes.held).toHaveLength(1);
    flushes.release();
    await b;
    expect(await store.headPosition()).toBe((await b).position);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(delivered.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);

    // close() waits for the flush of what it accepted.
    const c = store.append('s-2', [event(3)], 'any');
    const closing = store.close();
    await nextTurn();
    expect(flushes.held).toHaveLength(1);
    flushes.release();
    await closing;
    await expect(c).resolves.toMatchObject({ nextExpectedRevision: 0 });
    await sub.stop();

    const reopened = SqliteEventStore.open({ file });
    expect((await reopened.readAll()).map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await reopened.close();
  });

  it('a failed flush rejects the appends it covered and every later one; health fails', async () => {
    const flushes = heldFlushes();
    const store = SqliteEventStore.open({ file: join(dir, 'failed.db'), syncFile: flushes.syncFile });
    const ok = store.append('s-1', [event(1)], 'no_stream');
    await nextTurn();
    flushes.release();
    await ok;

    const lost = store.append('s-1', [event(2)], 0);
    expect(await settled(lost)).toBe('pending');
    flushes.fail();
    await expect(lost).rejects.toThrow(/could not be flushed to disk/);
    await expect(store.append('s-2', [event(3)], 'any')).rejects.toThrow(/could not be flushed to disk/);
    await expect(store.ping()).rejects.toThrow(/could not be flushed to disk/);
    // Typed, so that the edge answers 503 STORE_UNAVAILABLE; and final (the kernel may have dropped the pages).
    await expect(store.append('s-3', [event(4)], 'any')).rejects.toBeInstanceOf(EventStoreWriteError);
    expect(await store.appendFailure()).toMatch(/could not be flushed to disk/);
    expect(flushes.held).toHaveLength(0);
    await store.close();
  });

  it('a full disk refuses the batch with a typed error, and the store takes appends again once space returns (issue 21)', async () => {
    const store = SqliteEventStore.open({ file: join(dir, 'full.db'), synchronous: 'normal' });
    await store.append('s-0', [event(0)], 'no_stream');
    // SQLite's own SQLITE_FULL: the store's connection may not add a page to the file.
    const db = (store as unknown as { db: Database.Database }).db;
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const big = (n: number) => ({ id: randomUUID(), type: 'Big', data: { n, filler: 'x'.repeat(20_000) } });
    const refused = store.append('s-1', [big(1)], 'no_stream');
    await expect(refused).rejects.toBeInstanceOf(EventStoreWriteError);
    await expect(refused).rejects.toMatchObject({ storeCode: 'SQLITE_FULL' });
    expect(await store.appendFailure()).toMatch(/SQLITE_FULL/);
    db.pragma('max_page_count = 1073741823');
    // Told by a write of its own (at most once a second), not only by the next append.
    for (const deadline = Date.now() + 5000; (await store.appendFailure()) !== undefined && Date.now() < deadline; ) await sleep(50);
    expect(await store.appendFailure()).toBeUndefined();
    await store.append('s-1', [big(2)], 'no_stream');
    expect((await store.readAll()).map((e) => e.data.n)).toEqual([0, 2]);
    await store.close();
  });

  it('with synchronous=normal, an append is acknowledged at its commit, without a flush', async () => {
    const flushes = heldFlushes();
    const store = SqliteEventStore.open({ file: join(dir, 'normal.db'), synchronous: 'normal', syncFile: flushes.syncFile });
    await store.append('s-1', [event(1)], 'no_stream');
    expect(flushes.held).toHaveLength(0);
    expect(await store.readAll()).toHaveLength(1);
    await store.close();
  });
});
