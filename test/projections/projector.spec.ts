import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { Projector } from '../../src/projections/projector.js';
import { stepOverran } from '../../src/projections/views/dossier-view.js';
import { ReadModels } from '../../src/projections/read-models.js';
import { ViewReplay } from '../../src/projections/as-of/replay.js';
import { syntheticLog } from '../../bench/support/synthetic-history.js';
import { stepRows, timelinessRows } from '../../src/projections/report-index/timeliness-report.js';
import { waitFor } from '../event-store/contract-support.js';
import { testTree } from './support/naive-report.js';
import { appendAll, openStore, tempDir } from './support/store.js';

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00+07:00');
const tree = testTree();
const log = (seed: number, dossiers = 120) =>
  syntheticLog({ seed, dossiers, unitIds: tree.unitIds, procedureCodes: ['P.A', 'P.B'], start: START, spanMs: 60 * DAY });

describe('read models: batches with their checkpoint', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it('apply every event type; the views equal a plain replay; the checkpoint is the last position', () => {
    const events = log(1);
    const models = ReadModels.open(join(tmp.dir, 'rm.db'));
    for (let i = 0; i < events.length; i += 37) models.applyBatch(events.slice(i, i + 37));
    const replay = new ViewReplay();
    events.forEach((e) => replay.apply(e));
    expect(new Set(events.map((e) => e.type)).size).toBe(9);
    for (const [id, view] of replay.views) expect(models.getView(id)).toEqual(view);
    expect(models.checkpoint).toBe(events[events.length - 1].position);
    models.close();
  });

  it('a folded batch whose transaction fails leaves the views and checkpoint as they were: folded again, nothing is lost', () => {
    const events = log(6);
    const reference = ReadModels.open(join(tmp.dir, 'reference.db'));
    const models = ReadModels.open(join(tmp.dir, 'rm.db'));
    const tail = events.length - 60;
    for (let i = 0; i < tail; i += 23) {
      const batch = models.fold(events.slice(i, Math.min(tail, i + 23)));
      models.transaction(() => models.commitRows(batch.rows, batch.checkpoint, batch.quarantined));
      models.written(batch);
    }
    reference.applyBatch(events.slice(0, tail));
    expect(models.dump()).toEqual(reference.dump());
    // The projector's transaction fails after the rows were written (a registered model's SQLite error, say).
    const failed = models.fold(events.slice(tail));
    expect(() =>
      models.transaction(() => {
        models.commitRows(failed.rows, failed.checkpoint, failed.quarantined);
        throw new Error('disk I/O error');
      }),
    ).toThrow('disk I/O error');
    expect(models.checkpoint).toBe(reference.checkpoint);
    expect(models.dump()).toEqual(reference.dump());
    const again = models.fold(events.slice(tail));
    models.transaction(() => models.commitRows(again.rows, again.checkpoint, again.quarantined));
    models.written(again);
    reference.applyBatch(events.slice(tail));
    expect(models.checkpoint).toBe(events[events.length - 1].position);
    expect(models.dump()).toEqual(reference.dump());
    for (const m of [models, reference]) m.close();
  });

  it('the same batch delivered twice, or overlapping batches, change nothing the second time', () => {
    const events = log(2);
    const models = ReadModels.open(join(tmp.dir, 'rm.db'));
    models.applyBatch(events.slice(0, 200));
    const once = models.dump();
    const again = models.applyBatch(events.slice(0, 200));
    expect(again.changes).toEqual([]);
    expect(models.dump()).toEqual(once);
    models.applyBatch(events.slice(150, 400));
    models.applyBatch(events.slice(400));
    const reference = ReadModels.open(join(tmp.dir, 'ref.db'));
    reference.applyBatch(events);
    expect(models.dump()).toEqual(reference.dump());
    models.close();
    reference.close();
  });

  it('a restart resumes from the stored checkpoint (exactly once across restarts)', () => {
    const events = log(3);
    const file = join(tmp.dir, 'rm.db');
    const first = ReadModels.open(file);
    first.applyBatch(events.slice(0, 300));
    first.close();
    const second = ReadModels.open(file);
    expect(second.checkpoint).toBe(events[299].position);
    second.applyBatch(events.slice(0, 500)); // the subscription may deliver from an older position
    second.applyBatch(events.slice(500));
    const reference = ReadModels.open(join(tmp.dir, 'ref.db'));
    reference.applyBatch(events);
    expect(second.dump()).toEqual(reference.dump());
    second.close();
    reference.close();
  });

  it('a failing batch leaves neither its rows nor its checkpoint', () => {
    const events = log(4);
    const models = ReadModels.open(join(tmp.dir, 'rm.db'));
    models.applyBatch(events.slice(0, 100));
    const before = models.dump();
    // The file refuses one row (a trigger, as a full disk would refuse a page): the batch fails in its middle.
    const other = new Database(join(tmp.dir, 'rm.db'));
    other.exec("CREATE TRIGGER refuse BEFORE INSERT ON dossiers WHEN NEW.dossier_id = 'poison' BEGIN SELECT RAISE(ABORT, 'row refused'); END");
    other.close();
    const poisoned = events.slice(100, 200).map((e, i) =>
      i === 50 ? { ...e, streamId: 'dossier-poison', type: 'DossierReceived', data: { ...events[0].data, dossierId: 'poison' } } : e,
    );
    expect(() => models.applyBatch(poisoned)).toThrow(/row refused/);
    expect(models.dump()).toEqual(before);
    expect(models.checkpoint).toBe(events[99].position);
    models.close();
  });

  it('an event no view can take is quarantined and skipped: the rest of its batch applies, the checkpoint moves past it', () => {
    const events = log(4);
    const models = ReadModels.open(join(tmp.dir, 'rm.db'));
    const reference = ReadModels.open(join(tmp.dir, 'reference.db'));
    const received = events[0];
    const bad = [
      { ...received, streamId: 'dossier-no-unit', data: { ...received.data, dossierId: 'no-unit', unitId: null } },
      { ...received, streamId: 'dossier-old', data: { ...received.data, dossierId: 'old', receivedAt: '1800-01-01T02:00:00.000Z' } },
      { ...received, streamId: 'dossier-year0', data: { ...received.data, dossierId: 'year0', receivedAt: '0000-01-01T02:00:00.000Z' } },
      { ...received, streamId: 'dossier-late', data: { ...received.data, dossierId: 'late', dueAt: '2200-01-01T00:00:00.000Z' } },
      { ...received, streamId: 'dossier-other', data: { ...received.data, dossierId: 'not-its-stream' } },
    ];
    // Each bad event takes the place of a position between the good ones (positions stay in order).
    const top = events[events.length - 1].position;
    const poisoned = [...events.slice(0, 100), ...bad.map((e, i) => ({ ...e, revision: 0, position: top + 1 + i })), ...events.slice(100).map((e) => ({ ...e, position: e.position + top + 10 }))];
    const shifted = poisoned.filter((e) => !bad.some((b) => b.streamId === e.streamId));
    for (let i = 0; i < poisoned.length; i += 40) models.applyBatch(poisoned.slice(i, i + 40));
    for (let i = 0; i < shifted.length; i += 40) reference.applyBatch(shifted.slice(i, i + 40));
    expect(models.checkpoint).toBe(poisoned[poisoned.length - 1].position);
    expect(models.dump().dossiers).toEqual(reference.dump().dossiers);
    const q = models.quarantine();
    expect(q.count).toBe(bad.length);
    expect(q.items.map((i) => i.streamId).sort()).toEqual(bad.map((b) => b.streamId).sort());
    expect(q.items.find((i) => i.streamId === 'dossier-old')).toMatchObject({ type: 'DossierReceived', error: expect.stringMatching(/receivedAt.*1800/) });
    // The index is built from the table without any failure, and a bulk load gives the same.
    expect(() => models.buildIndex()).not.toThrow();
    const bulk = ReadModels.createFresh(join(tmp.dir, 'bulk.db'), { cacheLimit: 7 });
    for (let i = 0; i < poisoned.length; i += 40) bulk.applyBatch(poisoned.slice(i, i + 40));
    bulk.finishBulk();
    expect(bulk.dump()).toEqual(models.dump());
    expect(bulk.quarantine()).toEqual(q);
    for (const m of [models, reference, bulk]) m.close();
  });

  it('a bulk load (views evicted from a small cache and read back) gives the table and index of a live application', () => {
    const events = log(10, 300);
    const bulk = ReadModels.createFresh(join(tmp.dir, 'bulk.db'), { cacheLimit: 7 });
    for (let i = 0; i < events.length; i += 50) bulk.applyBatch(events.slice(i, i + 50));
    const bulkIndex = bulk.finishBulk();
    const live = ReadModels.open(join(tmp.dir, 'live.db'));
    for (let i = 0; i < events.length; i += 50) live.applyBatch(events.slice(i, i + 50));
    expect(bulk.dump()).toEqual(live.dump());
    const fromTable = live.buildIndex();
    for (const unitId of tree.unitIds) {
      for (const groupBy of ['none', 'procedure'] as const) {
        const q = { unitId, scope: 'subtree' as const, groupBy, from: START + 5 * DAY, end: START + 50 * DAY };
        expect(timelinessRows(bulkIndex, tree, q)).toEqual(timelinessRows(fromTable, tree, q));
      }
      const q = { unitId, scope: 'subtree' as const, from: START + 5 * DAY, end: START + 50 * DAY };
      expect(stepRows(bulkIndex, tree, q)).toEqual(stepRows(fromTable, tree, q));
    }
    bulk.close();
    live.close();
  });

  it('per-step facts: which unit held which step, its allotment and due, entered/left, overran', () => {
    const events = log(5);
    const models = ReadModels.open(join(tmp.dir, 'rm.db'));
    models.applyBatch(events);
    const replay = new ViewReplay();
    events.forEach((e) => replay.apply(e));
    const views = [...replay.views.values()];
    const late = views.find((v) => v.steps.some((s) => stepOverran(s) === true))!;
    const onTime = views.find((v) => v.steps.some((s) => stepOverran(s) === false))!;
    for (const v of [late, onTime]) {
      const stored = models.getView(v.dossierId)!;
      expect(stored.steps).toEqual(v.steps);
      expect(stored.steps[0]).toMatchObject({ unitId: v.unitId, enteredAt: v.receivedAt, allottedWorkingHours: null, stepDueAt: null });
      stored.steps.slice(1).forEach((s, i) => expect(s.enteredAt).toBe(stored.steps[i].leftAt));
    }
    models.close();
  });
});

describe('projector over a real store', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: EventStore;
  let projector: Projector | undefined;
  beforeEach(() => {
    tmp = tempDir();
    store = openStore(tmp.dir);
  });
  afterEach(async () => {
    await projector?.beforeApplicationShutdown();
    projector?.onApplicationShutdown();
    projector = undefined;
    await store.close();
    tmp.remove();
  });

  const start = () => {
    projector = new Projector(store, loadConfig({ DATA_DIR: tmp.dir }));
    projector.onModuleInit();
    return projector;
  };

  it('follows the log, past positions of other streams, and answers waitFor', async () => {
    const events = log(6);
    await appendAll(store, events, 10);
    const p = start();
    const head = (await store.headPosition())!;
    await p.waitFor(head, 5000);
    expect(p.checkpoint).toBe(head);
    // A position held by a catalog event (not projected) is reached too.
    const noise = await store.append('unit-late', [{ id: 'late-unit', type: 'UnitDefined', data: { unitId: 'late', name: 'l', level: 'office' } }], 'any');
    await p.waitFor(noise.position, 5000);
    await expect(p.waitFor(noise.position + 100, 50)).rejects.toMatchObject({ code: 'NOT_CAUGHT_UP' });
  });

  it('a rebuilt model equals the live one (tables, checkpoint and reports), and queries answer throughout', async () => {
    const events = log(7, 200);
    await appendAll(store, events.slice(0, 600), 25);
    const p = start();
    await p.waitFor((await store.headPosition())!, 5000);
    await appendAll(store, events.slice(600), 25);
    const head = (await store.headPosition())!;
    await p.waitFor(head, 5000);
    const live = p.readModels.dump();
    const q = { unitId: 'P', scope: 'subtree' as const, groupBy: 'child' as const, from: START + 10 * DAY, end: START + 40 * DAY };
    const liveRows = timelinessRows(p.dossiers.index, tree, q);

    const rebuilding = p.rebuild();
    expect(timelinessRows(p.dossiers.index, tree, q)).toEqual(liveRows); // still answering from the live model
    const report = await rebuilding;
    expect(report.position).toBe(head);
    expect(p.readModels.dump()).toEqual(live);
    expect(timelinessRows(p.dossiers.index, tree, q)).toEqual(liveRows);

    // And it keeps following the log afterwards.
    const more = log(8, 20).map((e) => ({
      ...e,
      streamId: e.streamId.replace('dossier-', 'dossier-more-'),
      data: { ...e.data, dossierId: `more-${e.data.dossierId as string}` },
    }));
    await appendAll(store, more);
    await p.waitFor((await store.headPosition())!, 5000);
    expect(p.readModels.getView('more-d0')).toBeDefined();
  });

  /** Makes the live model's commits fail while `failing()` says so (a full disk, say): the whole transaction rolls back. */
  const failCommits = (p: Projector, failing: () => boolean) => {
    const models = p.readModels;
    const commitRows = models.commitRows.bind(models);
    let refused = 0;
    models.commitRows = (...args) => {
      if (failing()) {
        refused += 1;
        throw new Error('database or disk is full');
      }
      commitRows(...args);
    };
    return { refused: () => refused };
  };

  it('a live commit that fails is recovered from: the table, the registered read models and the index end as if nothing failed', async () => {
    const events = log(11, 300);
    await appendAll(store, events.slice(0, 100), 10);
    const p = start();
    await p.whenCaughtUp();
    // The third commit from now fails once; the projector resubscribes after the stored checkpoint.
    let commits = 0;
    const failures = failCommits(p, () => ++commits === 3);
    let next = 100;
    while (failures.refused() === 0 && next < events.length) {
      await appendAll(store, events.slice(next, next + 10), 10);
      next += 10;
      await p.waitFor((await store.headPosition())!, 10_000).catch(() => undefined);
    }
    expect(failures.refused()).toBe(1);
    await appendAll(store, events.slice(next), 10);
    const head = (await store.headPosition())!;
    await p.waitFor(head, 10_000);
    const reference = ReadModels.open(join(tmp.dir, 'reference.db'));
    reference.applyBatch(await store.readAll());
    expect(p.readModels.dump()).toEqual(reference.dump());
    const referenceIndex = reference.buildIndex();
    for (const unitId of tree.unitIds) {
      for (const [from, end] of [[START, START + 90 * DAY], [START + 20 * DAY, START + 50 * DAY]]) {
        const q = { unitId, scope: 'self' as const, groupBy: 'procedure' as const, from, end };
        expect(timelinessRows(p.dossiers.index, tree, q)).toEqual(timelinessRows(referenceIndex, tree, q));
      }
    }
    reference.close();
  }, 20_000);

  it('commits that keep failing stop the projection (said once, not at every retry) until one commits again', async () => {
    const events = log(12, 60);
    await appendAll(store, events.slice(0, 100));
    const errors: string[] = [];
    Logger.overrideLogger({ log() {}, warn() {}, debug() {}, verbose() {}, error: (message: unknown) => errors.push(typeof message === 'string' ? message : JSON.stringify(message)) });
    try {
      const p = start();
      await p.whenCaughtUp();
      let full = true;
      const failures = failCommits(p, () => full);
      await appendAll(store, events.slice(100, 110));
      // Three retries (one a second), each failing again: waited for by the count of refusals.
      await waitFor('three retries', () => failures.refused() >= 4, 10_000);
      expect((await p.status()).state).toBe('stopped');
      expect(p.stopped).toMatch(/disk is full/);
      expect(errors.filter((m) => m.includes('live projection stopped'))).toHaveLength(1);
      full = false;
      await appendAll(store, events.slice(110));
      await p.waitFor((await store.headPosition())!, 5000);
      expect(p.stopped).toBeUndefined();
      expect((await p.status()).state).toBe('running');
    } finally {
      Logger.overrideLogger(false);
    }
  }, 15_000);

  it('a restart rebuilds the index from the table and resumes after the checkpoint', async () => {
    const events = log(9);
    await appendAll(store, events.slice(0, 300));
    let p = start();
    await p.waitFor((await store.headPosition())!, 5000);
    await p.beforeApplicationShutdown();
    p.onApplicationShutdown();
    await appendAll(store, events.slice(300));
    p = start();
    await p.waitFor((await store.headPosition())!, 5000);
    const reference = ReadModels.open(join(tmp.dir, 'ref.db'));
    reference.applyBatch(await store.readAll());
    expect(p.readModels.dump()).toEqual(reference.dump());
    const q = { unitId: 'X1', scope: 'subtree' as const, groupBy: 'procedure' as const, from: START, end: START + 70 * DAY };
    expect(timelinessRows(p.dossiers.index, tree, q)).toEqual(timelinessRows(reference.buildIndex(), tree, q));
    reference.close();
  });
});
