/**
 * Reads of the log's head come from the rows the store committed last (RecentLog), and give
 * exactly what the file gives: compared here with a second store on the same file, whose memory
 * holds nothing it did not write. A write by that other store in between is read from the file.
 */
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { LoggedEvent, RecordedEvent } from '../../src/event-store/event-store.port.js';
import { RecentLog } from '../../src/event-store/sqlite/recent-log.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-recent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let ids = 0;
const event = (data: Record<string, unknown>, metadata?: Record<string, unknown>) => ({
  id: `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  type: 'Tested',
  data,
  ...(metadata ? { metadata } : {}),
});

/** Appends made in one turn (one transaction), one of them refused. */
async function appendBatch(store: SqliteEventStore, tag: string): Promise<void> {
  const results = await Promise.allSettled([
    store.append(`dossier-${tag}-1`, [event({ n: 1, text: 'Hồ sơ "một"', nested: { list: [1, 2.5, null] } })], 'no_stream'),
    store.append(`catalog-${tag}`, [event({ n: 2 }, { actor: 'a', at: '2026-01-01T00:00:00.000Z' }), event({ n: 3 })], 'any'),
    store.append(`dossier-${tag}-1`, [event({ n: 4 })], 'no_stream'), // refused: the stream exists by then
    store.append(`dossier-${tag}-2`, [event({ n: 5, empty: {} })], 'any'),
  ]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
}

async function delivered(store: SqliteEventStore, prefixes?: string[]): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  let caughtUp = false;
  const sub = store.subscribeToAllData({ onEvents: (e) => void events.push(...e), onCaughtUp: () => (caughtUp = true) }, { streamPrefixes: prefixes });
  while (!caughtUp) await nextTurn();
  await sub.stop();
  return events;
}

describe('SQLite store: reads of the head from memory', () => {
  it('gives what the file gives, filtered and paged the same', async () => {
    const file = join(dir, 'same.db');
    const store = SqliteEventStore.open({ file });
    await appendBatch(store, 'a');
    await appendBatch(store, 'b');
    const fromFile = SqliteEventStore.open({ file });
    const memoryReads = jest.spyOn(RecentLog.prototype, 'read');
    try {
      const all: RecordedEvent[] = await store.readAll();
      expect(all).toHaveLength(8);
      expect(all).toEqual(await fromFile.readAll());
      expect(await store.readAll({ afterPosition: 3, maxCount: 2 })).toEqual(await fromFile.readAll({ afterPosition: 3, maxCount: 2 }));
      expect(await store.readAll({ streamPrefixes: ['catalog-'] })).toEqual(await fromFile.readAll({ streamPrefixes: ['catalog-'] }));
      expect(await store.readAllData({ afterPosition: 1 })).toEqual(await fromFile.readAllData({ afterPosition: 1 }));
      expect(await delivered(store, ['catalog-', 'dossier-b'])).toEqual(await delivered(fromFile, ['catalog-', 'dossier-b']));
      // The first store answered from memory; the second, which wrote nothing, from the file.
      const answers = memoryReads.mock.results.map((r) => r.value !== undefined);
      expect(answers).toContain(true);
      expect(answers.filter((fromMemory) => fromMemory).length).toBe(answers.length / 2);
    } finally {
      memoryReads.mockRestore();
      await fromFile.close();
      await store.close();
    }
  });

  it('reads from the file what another writer inserted in between', async () => {
    const file = join(dir, 'two-writers.db');
    const a = SqliteEventStore.open({ file });
    const b = SqliteEventStore.open({ file });
    try {
      await appendBatch(a, 'a1');
      await appendBatch(b, 'b1');
      await appendBatch(a, 'a2');
      const all = await a.readAll();
      expect(all.map((e) => e.position)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(all).toEqual(await b.readAll());
      expect(await a.readAllData({ afterPosition: 2 })).toEqual(await b.readAllData({ afterPosition: 2 }));
      expect((await delivered(a)).map((e) => e.streamId)).toEqual(all.map((e) => e.streamId));
      // B's last rows follow A's in the file, beyond what A holds in memory.
      await appendBatch(b, 'b2');
      expect(await a.readAll({ afterPosition: 8 })).toEqual(await b.readAll({ afterPosition: 8 }));
      expect(await a.readAll({ afterPosition: 8 })).toHaveLength(8);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
