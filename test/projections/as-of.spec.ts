import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { ReadModels } from '../../src/projections/read-models.js';
import { replayIndexAsOf } from '../../src/projections/as-of/replay.js';
import { prng, syntheticEvents, toRecordedLog } from '../../bench/support/synthetic-history.js';
import { timelinessRows } from '../../src/projections/report-index/timeliness-report.js';
import { byDossier, naiveCounts, testTree } from './support/naive-report.js';
import { appendAll, openStore, tempDir } from './support/store.js';

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00+07:00');
const tree = testTree();

describe('as of an instant: the answer from the events recorded by then', () => {
  const events = syntheticEvents({ seed: 31, dossiers: 200, unitIds: tree.unitIds, procedureCodes: ['P.A', 'P.B'], start: START, spanMs: 60 * DAY });
  const log = toRecordedLog(events);
  let tmp: ReturnType<typeof tempDir>;
  let store: EventStore;
  beforeAll(async () => {
    tmp = tempDir();
    store = openStore(tmp.dir);
    await appendAll(store, log, 15);
  });
  afterAll(async () => {
    await store.close();
    tmp.remove();
  });

  it('equals read models fed with only the events recorded by then, and the naive count of those events', async () => {
    const random = prng(5);
    for (let k = 0; k < 6; k++) {
      const asOf = START + Math.floor(random() * 70 * DAY);
      const index = await replayIndexAsOf(store, asOf);

      const known = log.filter((e) => e.recordedAt <= asOf);
      const models = ReadModels.open(join(tmp.dir, `asof-${k}.db`));
      models.applyBatch(known);
      const reference = models.buildIndex();
      models.close();

      const knownEvents = byDossier(events.filter((e) => e.recordedAt <= asOf));
      for (let j = 0; j < 10; j++) {
        const from = START - 5 * DAY + Math.floor(random() * 70 * DAY);
        const end = Math.min(asOf, from + 1 + Math.floor(random() * 40 * DAY));
        if (end <= from) continue;
        const q = { unitId: 'P', scope: 'subtree' as const, groupBy: 'child' as const, from, end };
        const rows = timelinessRows(index, tree, q);
        expect(rows).toEqual(timelinessRows(reference, tree, q));
        const [{ key, ...total }] = timelinessRows(index, tree, { ...q, groupBy: 'none' });
        expect(key).toBe('P');
        expect(total).toEqual(naiveCounts(knownEvents, () => true, from, end));
      }
    }
  });

  it('late entries change the figures: as of an early instant, a later-recorded resolution is not there yet', async () => {
    // An event recorded days after it occurred (the "still processing in the system" complaint).
    const late = events.find((e) => e.event.type === 'DossierResolved' && e.recordedAt - e.occurredAt > DAY)!;
    expect(late).toBeDefined();
    const q = { unitId: 'P', scope: 'subtree' as const, groupBy: 'none' as const, from: late.occurredAt, end: late.occurredAt + 1 };
    const before = timelinessRows(await replayIndexAsOf(store, late.recordedAt - 1), tree, q)[0];
    const after = timelinessRows(await replayIndexAsOf(store, late.recordedAt), tree, q)[0];
    expect(after.resolved.total - before.resolved.total).toBeGreaterThanOrEqual(1);
  });
});
