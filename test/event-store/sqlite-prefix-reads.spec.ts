/**
 * Reads of the log filtered by stream prefix (the catalog's and the targets' subscriptions at
 * start) over a long log: a few streams' events among a hundred thousand others are found through
 * the stream index rather than by examining every event, and must be exactly what the filter of a
 * full read gives, in position order, page by page. A prefix matching most of the log is read in
 * position order as before. Real files.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventToAppend, RecordedEvent } from '../../src/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { followUntilCaughtUp } from '../../src/event-store/follow.js';
import { waitFor } from './contract-support.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-prefix-reads-'));
let store: SqliteEventStore;
let all: RecordedEvent[];

let ids = 0;
const event = (n: number): EventToAppend => ({ id: `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`, type: 'Noted', data: { n } });
const few = (streamId: string, n: number) => store.append(streamId, Array.from({ length: n }, (_, i) => event(i)), 'any');

beforeAll(async () => {
  store = SqliteEventStore.open({ file: join(dir, 'events.db'), synchronous: 'normal' });
  // 120,000 dossier events, with catalog events before, between and after them, and neighbours
  // of the prefixes (`unitx-`, `procedures`) that must not match.
  await few('unit-a', 2);
  for (let chunk = 0; chunk < 12; chunk++) {
    await store.append(`dossier-${chunk}`, Array.from({ length: 10_000 }, (_, i) => event(i)), 'any');
    if (chunk === 5) {
      await few('procedure-x', 3);
      await few('unitx-b', 1);
      await few('unit-a', 1);
    }
  }
  await few('procedures', 1);
  await few('unit-c', 2);
  all = await store.readAll();
}, 60_000);

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const matching = (prefixes: string[], after = 0) => all.filter((e) => e.position > after && prefixes.some((p) => e.streamId.startsWith(p)));
const positions = (events: RecordedEvent[]) => events.map((e) => `${e.streamId}@${e.position}`);

describe('SQLite store: reads filtered by stream prefix over a long log', () => {
  it('answers a few streams among many: exactly the filtered events, in position order', async () => {
    const prefixes = ['unit-', 'procedure-'];
    const read = await store.readAll({ streamPrefixes: prefixes });
    expect(positions(read)).toEqual(positions(matching(prefixes)));
    expect(read).toEqual(matching(prefixes));
    expect(read.map((e) => e.streamId)).toEqual(['unit-a', 'unit-a', 'procedure-x', 'procedure-x', 'procedure-x', 'unit-a', 'unit-c', 'unit-c']);
  });

  it('pages by position: each page starts after the last one', async () => {
    const prefixes = ['unit-', 'procedure-'];
    const pages: RecordedEvent[] = [];
    let after = 0;
    for (;;) {
      const page = await store.readAll({ afterPosition: after, maxCount: 3, streamPrefixes: prefixes });
      if (page.length === 0) break;
      pages.push(...page);
      after = page[page.length - 1].position;
    }
    expect(positions(pages)).toEqual(positions(matching(prefixes)));
    const midway = matching(prefixes)[3].position;
    expect(positions(await store.readAll({ afterPosition: midway, streamPrefixes: prefixes }))).toEqual(positions(matching(prefixes, midway)));
  });

  it('answers a prefix of no stream with nothing, and one of most of the log in order', async () => {
    expect(await store.readAll({ streamPrefixes: ['targets-'] })).toEqual([]);
    const dossiers = await store.readAll({ streamPrefixes: ['dossier-'], afterPosition: 5, maxCount: 50_000 });
    expect(positions(dossiers)).toEqual(positions(matching(['dossier-'], 5).slice(0, 50_000)));
  });

  it('a subscription to a few streams catches up with them, then follows what is appended', async () => {
    const seen: RecordedEvent[] = [];
    const subscription = await followUntilCaughtUp(store, ['unit-'], (e) => seen.push(e), console);
    expect(positions(seen)).toEqual(positions(matching(['unit-'])));
    const appended = await few('unit-d', 1);
    const later = await few('unit-e', 1);
    await waitFor('the appended unit events', () => seen.length === matching(['unit-']).length + 2, 10_000);
    expect(seen.slice(-2).map((e) => e.position)).toEqual([appended.position, later.position]);
    await subscription.stop();
  });
});
