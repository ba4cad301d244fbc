/**
 * The embedded store holds its file for itself while open (SQLite's exclusive locking mode): its
 * transactions then take no file locks, and a second service on the same data directory is refused
 * at start instead of writing the same log. A rebuild's log reader (a connection of its own, in a
 * worker thread) is let in for the time of its read. Real files throughout.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { readByAnother } from './contract-support.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-locking-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const event = (n: number) => ({ id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type: 'Tested', data: { n } });

describe('SQLite store: holds its file while open', () => {
  it('refuses other connections while open, and they read everything once it is closed', async () => {
    const file = join(dir, 'held.db');
    const store = SqliteEventStore.open({ file });
    await store.append('dossier-1', [event(1), event(2)], 'no_stream');
    await store.append('dossier-2', [event(3)], 'no_stream');
    expect(readByAnother(file)).toBe('refused');
    await store.close();
    expect(readByAnother(file)).toBe(3);
  });

  it('refuses a second store on the same file at open, naming the file, and opens once the first is closed', async () => {
    const file = join(dir, 'twice.db');
    const first = SqliteEventStore.open({ file });
    await first.append('dossier-1', [event(1)], 'no_stream');
    // (SQLite waits its busy timeout, 5 s, for the file first.)
    expect(() => SqliteEventStore.open({ file })).toThrow(`${file} is in use by another process`);
    await first.close();
    const second = SqliteEventStore.open({ file });
    try {
      expect(await second.readStream('dossier-1')).toHaveLength(1);
    } finally {
      await second.close();
    }
  }, 20_000);

  it('lets the log reader of readAllDataPages in while it reads, then takes the file back', async () => {
    const file = join(dir, 'pages.db');
    const store = SqliteEventStore.open({ file });
    try {
      for (let n = 0; n < 6; n++) await store.append(`dossier-${n}`, [event(n)], 'no_stream');
      const seen: (number | 'refused')[] = [];
      let events = 0;
      for await (const page of store.readAllDataPages({ pageSize: 2 })) {
        events += page.length;
        seen.push(readByAnother(file));
      }
      expect(events).toBe(6);
      expect(seen).toEqual([6, 6, 6]);
      expect(readByAnother(file)).toBe('refused');
      // Appends go on as before once the file is held again.
      await store.append('dossier-6', [event(6)], 'no_stream');
      expect(await store.headPosition()).toBe(7);
    } finally {
      await store.close();
    }
  });

  it('opened shared, lets other connections read beside it', async () => {
    const file = join(dir, 'shared.db');
    const store = SqliteEventStore.open({ file, locking: 'shared' });
    try {
      await store.append('dossier-1', [event(1)], 'no_stream');
      expect(readByAnother(file)).toBe(1);
    } finally {
      await store.close();
    }
  });
});
