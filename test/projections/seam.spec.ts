import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { loadConfig } from '../../src/config.js';
import type { EventStore, LoggedEvent } from '../../src/event-store/event-store.port.js';
import { Projector, type ReadModelSetup } from '../../src/projections/projector.js';
import type { ReadModel } from '../../src/projections/seam/read-model.js';
import { DOSSIER_VIEWS, type DossierQueries } from '../../src/projections/views/dossier-views.read-model.js';
import { syntheticLog } from '../../bench/support/synthetic-history.js';
import { testTree } from './support/naive-report.js';
import { appendAll, openStore, tempDir } from './support/store.js';

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00+07:00');
const tree = testTree();
const log = (seed: number, dossiers = 60) =>
  syntheticLog({ seed, dossiers, unitIds: tree.unitIds, procedureCodes: ['P.A', 'P.B'], start: START, spanMs: 60 * DAY });

interface CountQueries {
  counts(): Record<string, number>;
}

/**
 * A read model as small as one can be: events counted by type (weighted by its version, so that a
 * bump shows), refusing events of type Poison. The seam is all it knows of the projector.
 */
const counting = (version = 1): ReadModel<CountQueries> => ({
  name: 'event_counts',
  version,
  schema: 'CREATE TABLE IF NOT EXISTS event_counts (type TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;',
  tables: ['event_counts'],
  open(db: Database.Database) {
    const add = db.prepare<[string, number]>('INSERT INTO event_counts (type, n) VALUES (?, ?) ON CONFLICT(type) DO UPDATE SET n = n + excluded.n');
    const all = db.prepare<[], { type: string; n: number }>('SELECT type, n FROM event_counts ORDER BY type');
    return {
      apply(events: readonly LoggedEvent[]) {
        // Counts as it goes: a batch with poison in it must be rolled back before it is split.
        for (const e of events) {
          if (e.type === 'Poison') throw new Error('cannot count poison');
          add.run(e.type, version);
        }
      },
      queries: { counts: () => Object.fromEntries(all.all().map((r) => [r.type, r.n])) },
    };
  },
});

/** What the counting model must hold: every event of the store but the poison, by type, times the version. */
async function expectedCounts(store: EventStore, version = 1): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const e of await store.readAll()) if (e.type !== 'Poison') out[e.type] = (out[e.type] ?? 0) + version;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

describe('the projection seam: read models registered beside the dossier views', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: EventStore;
  let projector: Projector | undefined;
  beforeEach(() => {
    tmp = tempDir();
    store = openStore(tmp.dir);
  });
  afterEach(async () => {
    await stop();
    await store.close();
    tmp.remove();
  });

  const start = (models: ReadModel[]) => {
    const setup: ReadModelSetup = { models, context: { calendar: () => { throw new Error('not used'); } } };
    projector = new Projector(store, loadConfig({ DATA_DIR: tmp.dir, LOG_LEVEL: 'silent' }), 'never', setup);
    projector.onModuleInit();
    return projector;
  };
  const stop = async () => {
    await projector?.beforeApplicationShutdown();
    projector?.onApplicationShutdown();
    projector = undefined;
  };
  const head = async () => (await store.headPosition())!;

  it('follows the log with the dossier views, in their transaction, and quarantines only what it cannot apply', async () => {
    await appendAll(store, log(1).slice(0, 200), 10);
    const p = start([counting()]);
    await p.waitFor(await head(), 5000);
    await appendAll(store, log(1).slice(200), 10);
    await store.append('poison-1', [{ id: 'poison-1', type: 'Poison', data: {} }], 'no_stream');
    await store.append('unit-after-poison', [{ id: 'after-poison', type: 'UnitDefined', data: { unitId: 'after', name: 'a', level: 'office' } }], 'no_stream');
    await p.waitFor(await head(), 5000);
    const counts = await p.readModel<CountQueries>('event_counts');
    expect(counts.counts()).toEqual(await expectedCounts(store));
    const status = await p.status();
    expect(status.readModels).toEqual([
      { name: 'dossiers', version: DOSSIER_VIEWS.version, checkpoint: status.checkpoint, caughtUp: true, quarantined: 0 },
      { name: 'event_counts', version: 1, checkpoint: status.checkpoint, caughtUp: true, quarantined: 1 },
    ]);
    // It is no dossier event: the dossier views skip it without quarantining anything.
    expect(status.quarantined.count).toBe(0);
  });

  it('the dossier views are on the seam too: in the status, and read through readModel once they include a position', async () => {
    const events = log(7, 40);
    await appendAll(store, events, 10);
    const p = start([]);
    const at = await head();
    const views = await p.readModel<DossierQueries>('dossiers', at, 5000);
    expect(views.checkpoint).toBe(at);
    await p.whenCaughtUp();
    const received = new Set(events.filter((e) => e.type === 'DossierReceived').map((e) => e.streamId));
    expect(views.list({ now: START, afterSeq: 0, limit: 1000 }).map((v) => `dossier-${v.dossierId}`).sort()).toEqual([...received].sort());
    expect((await p.status()).readModels).toEqual([{ name: 'dossiers', version: DOSSIER_VIEWS.version, checkpoint: at, caughtUp: true, quarantined: 0 }]);
    // A position they do not reach in the time given: 503, as for any read model.
    await expect(p.readModel('dossiers', at + 1, 50)).rejects.toMatchObject({ code: 'NOT_CAUGHT_UP' });
  });

  it('a model keeping a total in memory is told when its batches committed, and so follows its table, poison included', async () => {
    await appendAll(store, log(8).slice(0, 150), 10);
    const seen = { committed: 0 };
    const p = start([totalCounting(seen)]);
    await appendAll(store, log(8).slice(150), 10);
    await store.append('poison-2', [{ id: 'poison-2', type: 'Poison', data: {} }], 'no_stream');
    await appendAll(store, log(9, 10), 3);
    await p.waitFor(await head(), 5000);
    await waitUntil(async () => (await p.status()).readModels.every((m) => m.caughtUp));
    const model = await p.readModel<CountQueries & { total(): number }>('event_counts');
    const counted = Object.values(model.counts()).reduce((a, b) => a + b, 0);
    expect(counted).toBe(Object.values(await expectedCounts(store)).reduce((a, b) => a + b, 0));
    expect(model.total()).toBe(counted);
    expect(seen.committed).toBeGreaterThan(0);
  });

  it('a model added to a file that has views already is built from the log while batches go on, and answers only once caught up', async () => {
    const events = log(3, 150);
    await appendAll(store, events.slice(0, 500), 10);
    let p = start([]);
    await p.waitFor(await head(), 5000);
    await stop();
    p = start([counting()]);
    // Behind the views' checkpoint until it has read the log: 503, not a partial answer.
    await expect(p.readModel('event_counts')).rejects.toMatchObject({ code: 'NOT_CAUGHT_UP' });
    await appendAll(store, events.slice(500), 10);
    await p.waitFor(await head(), 5000);
    await waitUntil(async () => (await p.status()).readModels.every((m) => m.caughtUp));
    expect((await p.readModel<CountQueries>('event_counts')).counts()).toEqual(await expectedCounts(store));
  });

  it('a version bump empties the model and builds it again from the log; a rebuild of all read models does too', async () => {
    await appendAll(store, log(4), 10);
    let p = start([counting(1)]);
    await p.waitFor(await head(), 5000);
    await waitUntil(async () => (await p.status()).readModels.every((m) => m.caughtUp));
    expect((await p.readModel<CountQueries>('event_counts')).counts()).toEqual(await expectedCounts(store, 1));
    await stop();
    p = start([counting(2)]);
    await waitUntil(async () => (await p.status()).readModels.every((m) => m.caughtUp));
    expect((await p.readModel<CountQueries>('event_counts')).counts()).toEqual(await expectedCounts(store, 2));
    // Rebuilt with the dossier views, before the swap: it answers as soon as the rebuild is in place.
    await p.rebuild();
    expect((await p.readModel<CountQueries>('event_counts')).counts()).toEqual(await expectedCounts(store, 2));
  });

  it('a model with a builder is built from the log by it, flushed before it answers and before its first live batch; a rebuild builds it beside the views', async () => {
    const events = log(6, 150);
    await appendAll(store, events.slice(0, 500), 10);
    let p = start([]);
    await p.waitFor(await head(), 5000);
    await stop();
    const used = { built: 0, flushes: 0, live: 0 };
    p = start([buildingCounting(used)]);
    await waitUntil(async () => (await p.status()).readModels.every((m) => m.caughtUp));
    expect((await p.readModel<CountQueries>('event_counts')).counts()).toEqual(await expectedCounts(store));
    expect(used.built).toBeGreaterThan(0);
    expect(used.flushes).toBeGreaterThan(0);
    await appendAll(store, events.slice(500), 10);
    await p.waitFor(await head(), 5000);
    expect(used.live).toBeGreaterThan(0);
    expect((await p.readModel<CountQueries>('event_counts')).counts()).toEqual(await expectedCounts(store));
    const before = { ...used };
    await p.rebuild();
    expect(used.built).toBeGreaterThan(before.built);
    expect((await p.readModel<CountQueries>('event_counts')).counts()).toEqual(await expectedCounts(store));
  });

  it('a model built from the log is built without its secondary indexes, which exist once it caught up: before its first live batch and query', async () => {
    const events = log(5, 150);
    await appendAll(store, events.slice(0, 500), 10);
    let p = start([]);
    await p.waitFor(await head(), 5000);
    await stop();
    const built = await head();
    const seen: { last: number; indexed: boolean }[] = [];
    p = start([indexedCounting(seen)]);
    await appendAll(store, events.slice(500), 10);
    await p.waitFor(await head(), 5000);
    await waitUntil(async () => (await p.status()).readModels.every((m) => m.caughtUp));
    const model = await p.readModel<CountQueries & { indexed(): boolean }>('event_counts');
    expect(model.indexed()).toBe(true);
    expect(model.counts()).toEqual(await expectedCounts(store));
    // The log that was there before it was registered is all built from, without the index.
    const building = seen.filter((batch) => batch.last <= built);
    expect(building.length).toBeGreaterThan(0);
    expect(building.some((batch) => batch.indexed)).toBe(false);
  });
});

/** The counting model with a secondary index declared apart: it notes, at each batch, whether the index exists. */
function indexedCounting(seen: { last: number; indexed: boolean }[]): ReadModel<CountQueries & { indexed(): boolean }> {
  const base = counting();
  return {
    ...base,
    indexes: 'CREATE INDEX IF NOT EXISTS event_counts_by_n ON event_counts (n);',
    open(db, context) {
      const handle = base.open(db, context);
      const exists = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'event_counts_by_n'");
      return {
        apply(events) {
          seen.push({ last: events[events.length - 1].position, indexed: exists.get()!.n === 1 });
          handle.apply(events);
        },
        queries: { ...handle.queries, indexed: () => exists.get()!.n === 1 },
      };
    },
  };
}

/** The counting model with a builder: counts held in memory, added to the table at each flush. */
/** The counting model with a total in memory: read from its table when opened, then taken from each batch once its transaction committed. */
function totalCounting(seen: { committed: number }): ReadModel<CountQueries & { total(): number }> {
  const base = counting();
  return {
    ...base,
    open(db, context) {
      const handle = base.open(db, context);
      let total = Object.values(handle.queries.counts()).reduce((a, b) => a + b, 0);
      let applied = 0;
      return {
        apply(events) {
          handle.apply(events);
          // Only once nothing of the batch can throw (the seam's rule for state in memory).
          applied += events.length;
        },
        committed() {
          seen.committed++;
          total += applied;
          applied = 0;
        },
        queries: { ...handle.queries, total: () => total },
      };
    },
  };
}

function buildingCounting(used: { built: number; flushes: number; live: number }): ReadModel<CountQueries> {
  const base = counting();
  return {
    ...base,
    open(db, context) {
      const handle = base.open(db, context);
      const add = db.prepare<[string, number]>('INSERT INTO event_counts (type, n) VALUES (?, ?) ON CONFLICT(type) DO UPDATE SET n = n + excluded.n');
      const held = new Map<string, number>();
      return {
        apply(events) {
          used.live++;
          handle.apply(events);
        },
        builder: {
          apply(events) {
            if (events.some((e) => e.type === 'Poison')) throw new Error('cannot count poison');
            used.built++;
            for (const e of events) held.set(e.type, (held.get(e.type) ?? 0) + 1);
          },
          flush() {
            used.flushes++;
            for (const [type, n] of held) add.run(type, n);
            held.clear();
          },
          discard: () => held.clear(),
        },
        queries: handle.queries,
      };
    },
  };
}

/** Polls `condition` (a status read) until it holds, failing after 5 s. */
async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
