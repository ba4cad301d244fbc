/**
 * The report index saved while the service runs (index-save-policy.ts): once enough report deltas
 * were written since the snapshot, its units are saved a few at a time between batches, and a
 * start after a crash, wherever it falls, loads what was saved plus each unit's deltas since, and
 * answers as an index built from every view. Steps run when the test says (a scheduler of its own).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { IndexSavePolicy } from '../../src/projections/report-index/index-save-policy.js';
import { ReadModels } from '../../src/projections/read-models.js';
import { syntheticLog } from '../../bench/support/synthetic-history.js';
import type { TimelinessIndex } from '../../src/projections/report-index/timeliness-index.js';
import { testTree } from './support/naive-report.js';
import { reports, START } from './support/index-reports.js';
import { tempDir } from './support/store.js';

const DAY = 86_400_000;
const tree = testTree();
const log = syntheticLog({ seed: 7, dossiers: 300, unitIds: tree.unitIds, procedureCodes: ['P.A', 'P.B'], start: START, spanMs: 60 * DAY });

/** The service's read side: models, their index kept current batch by batch, the policy told after each. */
function service(file: string, policy: IndexSavePolicy) {
  const models = ReadModels.open(file);
  let index: TimelinessIndex = models.loadIndex().index;
  return {
    models,
    get index() {
      return index;
    },
    apply(events: RecordedEvent[]) {
      const batch = models.applyBatch(events);
      for (const { before, after } of batch.changes) index.replace(before, after);
      policy.afterBatch(models, index);
    },
    replaceIndex(next: TimelinessIndex) {
      index = next;
    },
  };
}

/** A start after a crash (nothing saved at the stop): how it loads, and whether it answers as the views do. */
function restartAfterCrash(file: string) {
  const models = ReadModels.open(file);
  const { index, source } = models.loadIndex();
  const same = JSON.stringify(reports(index, tree)) === JSON.stringify(reports(models.buildIndex(), tree));
  const replayed = (models.database.prepare('SELECT max(rowid) - (SELECT min(deltas) FROM index_months) AS n FROM report_deltas').get() as { n: number }).n;
  models.close();
  return { source, same, replayed };
}

const batches = (events: RecordedEvent[], size: number) => Array.from({ length: Math.ceil(events.length / size) }, (_, i) => events.slice(i * size, (i + 1) * size));

describe('index save policy', () => {
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  let steps: (() => void)[];
  const runSteps = (n = Infinity) => {
    for (let i = 0; i < n && steps.length > 0; i++) steps.shift()!();
  };
  const policy = (afterDeltas: number) => new IndexSavePolicy({ afterDeltas, stepBytes: 1, schedule: (step) => void steps.push(step), logger: { log: () => undefined, error: () => undefined } });

  beforeEach(() => {
    tmp = tempDir();
    file = join(tmp.dir, 'rm.db');
    steps = [];
    // A first start that saved its snapshot at the stop: the policy starts from it.
    const models = ReadModels.open(file);
    models.applyBatch(log.slice(0, 400));
    models.saveIndexSnapshot(models.buildIndex());
    models.close();
  });
  afterEach(() => tmp.remove());

  it('saves nothing before enough deltas were written since the snapshot', () => {
    const s = service(file, policy(1_000_000));
    for (const b of batches(log.slice(400, 800), 50)) s.apply(b);
    expect(steps).toHaveLength(0);
    s.models.close();
    expect(restartAfterCrash(file)).toMatchObject({ source: 'snapshot+deltas', same: true });
  });

  it('once they were, saves every unit a step at a time; a start after a crash then replays the deltas since the save only', () => {
    const p = policy(200);
    const s = service(file, p);
    let saves = 0;
    for (const b of batches(log.slice(400), 40)) {
      s.apply(b);
      if (p.saving) saves++;
      runSteps(); // a quiet moment after each batch: the save completes
      expect(p.saving).toBe(false);
    }
    expect(saves).toBeGreaterThan(1);
    const lastDelta = (s.models.database.prepare('SELECT max(rowid) AS n FROM report_deltas').get() as { n: number }).n;
    s.models.close();
    const crashed = restartAfterCrash(file);
    expect(crashed).toMatchObject({ source: 'snapshot+deltas', same: true });
    expect(crashed.replayed).toBeLessThan(200 + 40 * 10);
    expect(crashed.replayed).toBeLessThan(lastDelta / 4);
  });

  it('batches committed between its steps, and a crash before or after it ends: each unit adds its own deltas since its row', () => {
    const p = policy(300);
    const s = service(file, p);
    const rest = batches(log.slice(400), 8);
    // A save started, then batches between every step of it.
    while (!p.saving) s.apply(rest.shift()!);
    while (p.saving) {
      s.apply(rest.shift()!);
      runSteps(1);
    }
    expect(restartAfterCrash(file)).toMatchObject({ source: 'snapshot+deltas', same: true });
    // A crash in the middle of the next save.
    while (!p.saving && rest.length > 0) s.apply(rest.shift()!);
    runSteps(2);
    expect(p.saving).toBe(true);
    expect(rest.length).toBeGreaterThan(2);
    s.apply(rest.shift()!);
    expect(restartAfterCrash(file)).toMatchObject({ source: 'snapshot+deltas', same: true });
    for (const b of rest) {
      s.apply(b);
      runSteps(1);
    }
    runSteps();
    s.models.close();
    expect(restartAfterCrash(file)).toMatchObject({ source: 'snapshot+deltas', same: true });
  });

  it('a file without a snapshot is saved in steps too, readable once the save has ended', () => {
    const fresh = join(tmp.dir, 'fresh.db');
    const p = policy(100);
    const s = service(fresh, p);
    for (const b of batches(log.slice(0, 600), 60)) s.apply(b);
    expect(p.saving).toBe(true);
    expect(restartAfterCrash(fresh).source).toBe('table');
    runSteps();
    s.models.close();
    expect(restartAfterCrash(fresh)).toMatchObject({ source: 'snapshot+deltas', same: true });
  });

  it('a save under way on models replaced (a rebuild swapped them in) or closed goes no further', () => {
    const p = policy(100);
    const s = service(file, p);
    for (const b of batches(log.slice(400, 900), 50)) s.apply(b);
    expect(p.saving).toBe(true);
    s.models.close();
    runSteps();
    expect(p.saving).toBe(false);
    // The next models start a save of their own when due.
    const other = service(join(tmp.dir, 'other.db'), p);
    for (const b of batches(log, 100)) other.apply(b);
    expect(p.saving).toBe(true);
    runSteps();
    other.models.close();
    expect(restartAfterCrash(join(tmp.dir, 'other.db'))).toMatchObject({ source: 'snapshot+deltas', same: true });
  });
});
