import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DOSSIER_STREAM_PREFIX } from '../../src/dossier/events.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { replayIndex, replayIndexAsOf, ViewReplay } from '../../src/projections/as-of/replay.js';
import { prng, syntheticEvents, toRecordedLog } from '../../bench/support/synthetic-history.js';
import { TimelinessIndex } from '../../src/projections/report-index/timeliness-index.js';
import { timelinessRows } from '../../src/projections/report-index/timeliness-report.js';
import { testTree } from './support/naive-report.js';
import { appendAll, openStore, tempDir } from './support/store.js';

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00+07:00');
const tree = testTree();

/** The replay as it was before it shared the thread: the whole log in one read, folded in one go. */
async function straightIndexAsOf(store: EventStore, asOf: number): Promise<TimelinessIndex> {
  const replay = new ViewReplay((e) => e.recordedAt <= asOf);
  for (const e of await store.readAll({ streamPrefixes: [DOSSIER_STREAM_PREFIX] })) replay.apply(e);
  const index = new TimelinessIndex({ rollUpMinUnits: Number.POSITIVE_INFINITY });
  for (const view of replay.views.values()) index.bulkAdd(view);
  index.seal();
  return index;
}

describe('as-of replay sharing the thread', () => {
  // About 5,400 dossier events: several of the as-of replay's pages, with catalog noise between them.
  const events = syntheticEvents({ seed: 77, dossiers: 1200, unitIds: tree.unitIds, procedureCodes: ['P.A', 'P.B', 'P.C'], start: START, spanMs: 90 * DAY });
  const log = toRecordedLog(events);
  let tmp: ReturnType<typeof tempDir>;
  let store: EventStore;
  beforeAll(async () => {
    tmp = tempDir();
    store = openStore(tmp.dir);
    await appendAll(store, log, 40);
  });
  afterAll(async () => {
    await store.close();
    tmp.remove();
  });

  it('answers as the straight replay did, at instants across the history, for every unit, scope and grouping', async () => {
    expect(log.length).toBeGreaterThan(5_000);
    const random = prng(11);
    const instants = [START - DAY, START + 100 * DAY, ...Array.from({ length: 5 }, () => START + Math.floor(random() * 100 * DAY))];
    for (const asOf of instants) {
      const shared = await replayIndexAsOf(store, asOf, 0);
      const paged = await replayIndex(store, (e) => e.recordedAt <= asOf);
      const straight = await straightIndexAsOf(store, asOf);
      for (let j = 0; j < 6; j++) {
        const from = START - 5 * DAY + Math.floor(random() * 100 * DAY);
        const end = Math.min(asOf, from + 1 + Math.floor(random() * 50 * DAY));
        for (const unitId of tree.unitIds) {
          for (const scope of ['self', 'subtree'] as const) {
            for (const groupBy of ['none', 'procedure', 'child'] as const) {
              const q = { unitId, scope, groupBy, from, end: Math.max(end, from) };
              const expected = timelinessRows(straight, tree, q);
              expect(timelinessRows(shared, tree, q)).toEqual(expected);
              expect(timelinessRows(paged, tree, q)).toEqual(expected);
            }
          }
        }
      }
    }
  });

  it('goes back to the event loop while it replays, where the straight replay never does (the store pages resolve without I/O)', async () => {
    const asOf = START + 100 * DAY;
    const turnsDuring = async (replay: () => Promise<unknown>) => {
      let turns = 0;
      let counting = true;
      const turn = () => {
        turns++;
        if (counting) setImmediate(turn);
      };
      setImmediate(turn);
      await replay();
      counting = false;
      return turns;
    };
    expect(await turnsDuring(() => replayIndex(store, (e) => e.recordedAt <= asOf))).toBe(0);
    // With no time slice it yields at every check: at least once per page of 250 events.
    expect(await turnsDuring(() => replayIndexAsOf(store, asOf, 0))).toBeGreaterThanOrEqual(Math.floor(log.length / 250));
  });
});
