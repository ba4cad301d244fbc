import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { join } from 'node:path';
import type { DossierEvent } from '../../src/dossier/events.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { DeltaCorrection } from '../../src/projections/as-of/as-of-deltas.js';
import { readDeltas } from '../../src/projections/as-of/as-of-reader.js';
import { ReadModels } from '../../src/projections/read-models.js';
import { replayIndexAsOf } from '../../src/projections/as-of/replay.js';
import { prng, type SyntheticEvent, syntheticEvents, toRecordedLog } from '../../bench/support/synthetic-history.js';
import { indexFromSnapshot, snapshotRows } from '../../src/projections/report-index/index-snapshot.js';
import type { TimelinessIndex } from '../../src/projections/report-index/timeliness-index.js';
import { type GroupBy, type Scope, stepRows, timelinessRows } from '../../src/projections/report-index/timeliness-report.js';
import { testTree } from './support/naive-report.js';
import { appendAll, openStore, tempDir } from './support/store.js';

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00+07:00');
const iso = (ms: number) => new Date(ms).toISOString();
const tree = testTree();

/**
 * Synthetic histories (late entries, supplements, apologies, transfers, withdrawals) with re-plans
 * added: a third of the dossiers get their due moved while open, the re-plan entered days late.
 */
function history(seed: number): SyntheticEvent[] {
  const random = prng(seed * 7 + 1);
  const events = syntheticEvents({ seed, dossiers: 160, unitIds: tree.unitIds, procedureCodes: ['P.A', 'P.B', 'P.C'], start: START, spanMs: 60 * DAY, horizon: START + 64 * DAY });
  const streams = new Map<string, SyntheticEvent[]>();
  for (const e of events) streams.set(e.dossierId, [...(streams.get(e.dossierId) ?? []), e]);
  const out: SyntheticEvent[] = [];
  for (const [dossierId, stream] of streams) {
    const [received, next] = stream;
    if (next !== undefined && received.event.type === 'DossierReceived' && random() < 0.35) {
      const replannedAt = Math.round((received.occurredAt + next.occurredAt) / 2);
      const newDueAt = replannedAt + Math.round((random() - 0.3) * 6 * DAY);
      const replan: DossierEvent = {
        type: 'DossierDueReplanned',
        data: { dossierId, replannedAt: iso(replannedAt), oldDueAt: received.event.data.dueAt, newDueAt: iso(newDueAt), clockStartAt: received.event.data.clockStartAt, calendarRevision: 1 },
      };
      const recordedAt = Math.max(received.recordedAt, replannedAt + Math.round(random() * 4 * DAY));
      stream.splice(1, 0, { dossierId, event: replan, occurredAt: replannedAt, recordedAt });
      // recordedAt never decreases along a stream: the service appends in stream order.
      for (let i = 2; i < stream.length; i++) stream[i] = { ...stream[i], recordedAt: Math.max(stream[i].recordedAt, recordedAt) };
    }
    out.push(...stream);
  }
  return out.sort((a, b) => a.recordedAt - b.recordedAt);
}

interface Built {
  store: EventStore;
  /** The read models fed live (pages of events, per-event deltas in the fold) and in bulk (a rebuild, with evictions and read-backs). */
  models: { live: ReadModels; bulk: ReadModels };
  /** `rolled`: the live one with a roll-up for every subtree of two units or more (their months gathered once asked again). */
  index: { live: TimelinessIndex; bulk: TimelinessIndex; rolled: TimelinessIndex };
  oracle: Map<number, TimelinessIndex>;
  lastPosition: number;
}

/** The figures as of `asOf` from the data: the index less the deltas recorded after it. */
const correctionOf = (models: ReadModels, asOf: number, from: number, end: number): DeltaCorrection =>
  readDeltas(models.path, asOf, { from, end }, Number.POSITIVE_INFINITY).correction;

/**
 * The same as the service gets it from its worker: the deltas up to position `known` counted and
 * posted back (encoded, the buffer moved), those after it added on this side.
 */
function postedCorrectionOf(models: ReadModels, asOf: number, from: number, end: number, known: number): DeltaCorrection {
  const { correction, beyond } = readDeltas(models.path, asOf, { from, end }, known);
  const encoded = correction.encode();
  const received = DeltaCorrection.decode({ from, end }, structuredClone(encoded, { transfer: [encoded.values.buffer as ArrayBuffer] }));
  for (const row of beyond) received.add(row);
  return received;
}

describe('as of an instant, from data: the index less the deltas recorded after it equals the replay of the events recorded by then', () => {
  const tmp = tempDir();
  const built: Built[] = [];

  beforeAll(async () => {
    for (const seed of [3, 11]) {
      const log = toRecordedLog(history(seed));
      const dir = join(tmp.dir, String(seed));
      const store = openStore(dir);
      await appendAll(store, log, 17);
      const stored = await store.readAllData();
      const live = ReadModels.open(join(dir, 'live.db'));
      const random = prng(seed);
      for (let i = 0; i < stored.length; ) {
        const n = 1 + Math.floor(random() * 40);
        live.applyBatch(stored.slice(i, i + n));
        i += n;
      }
      const bulk = ReadModels.createFresh(join(dir, 'bulk.db'), { cacheLimit: 7 });
      for (let i = 0; i < stored.length; i += 100) bulk.applyBatch(stored.slice(i, i + 100));
      const bulkIndex = bulk.finishBulk();
      const liveIndex = live.buildIndex();
      const rolled = indexFromSnapshot(snapshotRows(liveIndex), { rollUpMinUnits: 2 });
      built.push({ store, models: { live, bulk }, index: { live: liveIndex, bulk: bulkIndex, rolled }, oracle: new Map(), lastPosition: stored[stored.length - 1].position });
    }
  });
  afterAll(async () => {
    for (const b of built) {
      b.models.live.close();
      b.models.bulk.close();
      await b.store.close();
    }
    tmp.remove();
  });

  it('every figure of the timeliness and step reports, for random instants, periods, units, scopes and groupings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          h: fc.nat({ max: 1 }),
          path: fc.constantFrom('live' as const, 'bulk' as const, 'rolled' as const),
          // Days from the start (fractions too): before the first event, inside, after the last. In
          // ms, not fc.double: doubles come mostly as tiny fractions (all of them near the start).
          asOfDay: fc.integer({ min: -2 * DAY, max: 75 * DAY }).map((ms) => ms / DAY),
          fromDay: fc.integer({ min: -5 * DAY, max: 70 * DAY }).map((ms) => ms / DAY),
          lengthDays: fc.integer({ min: DAY / 100, max: 60 * DAY }).map((ms) => ms / DAY),
          unitId: fc.constantFrom(...tree.unitIds),
          scope: fc.constantFrom<Scope>('self', 'subtree'),
          groupBy: fc.constantFrom<GroupBy>('none', 'child', 'procedure'),
          /** The rolled path's correction: the share of the log counted by the worker, the rest added after. */
          knownShare: fc.integer({ min: 0, max: 110 }).map((percent) => percent / 100),
        }),
        async (c) => {
          const b = built[c.h];
          const asOf = Math.round(START + c.asOfDay * DAY);
          const from = Math.round(START + c.fromDay * DAY);
          const to = from + Math.round(c.lengthDays * DAY);
          const end = Math.max(from, Math.min(to, asOf));
          let oracle = b.oracle.get(asOf);
          if (oracle === undefined) b.oracle.set(asOf, (oracle = await replayIndexAsOf(b.store, asOf, 1_000)));
          const correction =
            c.path === 'rolled'
              ? postedCorrectionOf(b.models.live, asOf, from, end, Math.floor(c.knownShare * b.lastPosition))
              : correctionOf(b.models[c.path], asOf, from, end);
          const q = { unitId: c.unitId, scope: c.scope, groupBy: c.groupBy, from, end };
          expect(timelinessRows(b.index[c.path], tree, q, correction)).toEqual(timelinessRows(oracle, tree, q));
          expect(stepRows(b.index[c.path], tree, q, correction)).toEqual(stepRows(oracle, tree, q));
        },
      ),
      { numRuns: 180, seed: 23 },
    );
  });

  it('the live and bulk paths store the same deltas', () => {
    for (const b of built) {
      const all = (m: ReadModels) => m.deltasSince(0, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).map((row) => JSON.stringify(row)).sort();
      expect(all(b.models.bulk)).toEqual(all(b.models.live));
    }
  });
});
