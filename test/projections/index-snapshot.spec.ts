import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { indexFromSnapshot, snapshotRows } from '../../src/projections/report-index/index-snapshot.js';
import { ReadModels } from '../../src/projections/read-models.js';
import { ViewReplay } from '../../src/projections/as-of/replay.js';
import { syntheticLog } from '../../bench/support/synthetic-history.js';
import { TimelinessIndex } from '../../src/projections/report-index/timeliness-index.js';
import { testTree, treeOf } from './support/naive-report.js';
import { reports, START } from './support/index-reports.js';
import { tempDir } from './support/store.js';

const DAY = 86_400_000;

describe('index snapshot', () => {
  it('round trip: units and roll-ups, big buckets included, answer alike and keep answering alike after live changes', () => {
    // Two units, thousands of dossiers each: the roll-up's buckets are above the split size (one array per category).
    const tree = treeOf(new Map([['A', undefined], ['B', 'A']]));
    const log = syntheticLog({ seed: 3, dossiers: 8000, unitIds: ['A', 'B'], procedureCodes: ['P1', 'P2'], start: START, spanMs: 80 * DAY });
    const cut = Math.floor(log.length * 0.8);
    const replay = new ViewReplay();
    log.slice(0, cut).forEach((e) => replay.apply(e));
    const original = new TimelinessIndex({ rollUpMinUnits: 2 });
    for (const v of replay.views.values()) original.bulkAdd(v);
    original.seal();
    reports(original, tree); // creates the roll-up of A
    expect(original.rollUpList().map((r) => r.root)).toEqual(['A']);
    expect(original.rollUpList()[0].all.size).toBeGreaterThan(16_384);

    const rows = [...snapshotRows(original)];
    // As SQLite hands them back: Buffers, which may sit at any offset of a shared pool.
    const loaded = indexFromSnapshot(rows.map((r) => ({ ...r, keys: Buffer.from(r.keys) })), { rollUpMinUnits: 2 });
    expect(loaded.rollUpList().map((r) => [r.root, [...r.members]])).toEqual([['A', ['A', 'B']]]);
    expect(reports(loaded, tree)).toEqual(reports(original, tree));

    for (const e of log.slice(cut)) {
      const id = e.streamId.slice('dossier-'.length);
      const before = replay.views.get(id);
      const after = replay.apply(e);
      if (after && after !== before) {
        original.replace(before, after);
        loaded.replace(before, after);
      }
    }
    expect(reports(loaded, tree)).toEqual(reports(original, tree));
  });

  it('refuses a row whose month blocks do not hold what its directory announces (a snapshot of another layout)', () => {
    const log = syntheticLog({ seed: 5, dossiers: 50, unitIds: ['A'], procedureCodes: ['P1'], start: START, spanMs: 10 * DAY });
    const replay = new ViewReplay();
    log.forEach((e) => replay.apply(e));
    const index = new TimelinessIndex();
    for (const v of replay.views.values()) index.bulkAdd(v);
    const [row] = [...snapshotRows(index)];
    const words = new Uint32Array(row.keys.buffer.slice(row.keys.byteOffset, row.keys.byteOffset + row.keys.byteLength));
    words[2] += 1; // the first block's count of its first category: one entry more than it holds
    expect(() => indexFromSnapshot([{ ...row, keys: Buffer.from(words.buffer) }])).toThrow(/do not hold/);
    const directory = JSON.parse(row.directory);
    directory.buckets[directory.buckets.length - 1][3] += 1; // its last bucket longer than the row
    expect(() => indexFromSnapshot([{ ...row, directory: JSON.stringify(directory) }])).toThrow(/does not match its directory/);
  });

  describe('with the read models', () => {
    let tmp: ReturnType<typeof tempDir>;
    beforeEach(() => {
      tmp = tempDir();
    });
    afterEach(() => tmp.remove());
    const tree = testTree();
    const log = syntheticLog({ seed: 4, dossiers: 200, unitIds: tree.unitIds, procedureCodes: ['P.A', 'P.B'], start: START, spanMs: 60 * DAY });

    it('is loaded at the checkpoint it was saved at, and later with the report deltas since', () => {
      const file = join(tmp.dir, 'rm.db');
      const models = ReadModels.open(file);
      models.applyBatch(log.slice(0, 500));
      const index = models.loadIndex().index;
      reports(index, tree);
      models.saveIndexSnapshot(index);
      models.close();

      const reopened = ReadModels.open(file);
      const loaded = reopened.loadIndex();
      expect(loaded.source).toBe('snapshot');
      expect(reports(loaded.index, tree)).toEqual(reports(reopened.buildIndex(), tree));
      // Batches after it (then a crash: no save): the next start adds the report deltas written since.
      reopened.applyBatch(log.slice(500, 800));
      reopened.applyBatch(log.slice(800));
      reopened.close();
      const moved = ReadModels.open(file);
      const after = moved.loadIndex();
      expect(after.source).toBe('snapshot+deltas');
      expect(reports(after.index, tree)).toEqual(reports(moved.buildIndex(), tree));
      moved.close();
    });

    it('is built from the views when no snapshot was saved', () => {
      const file = join(tmp.dir, 'rm.db');
      const models = ReadModels.open(file);
      models.applyBatch(log);
      models.close();
      const reopened = ReadModels.open(file);
      expect(reopened.loadIndex().source).toBe('table');
      reopened.close();
    });

    it('a snapshot of another layout, or of the keys earlier versions saved, is not read: the index is built from the views', () => {
      const file = join(tmp.dir, 'rm.db');
      const models = ReadModels.open(file);
      models.applyBatch(log);
      models.saveIndexSnapshot(models.buildIndex());
      models.database.prepare("UPDATE meta SET value = 'months-0:1:1' WHERE key = 'index_months_format'").run();
      models.close();
      const reopened = ReadModels.open(file);
      const loaded = reopened.loadIndex();
      expect(loaded.source).toBe('table');
      expect(reports(loaded.index, tree)).toEqual(reports(reopened.buildIndex(), tree));
      // The table and meta keys of earlier versions: dropped at open, never read.
      reopened.database.exec("CREATE TABLE index_snapshot (id TEXT NOT NULL, directory TEXT NOT NULL, keys BLOB NOT NULL); INSERT INTO index_snapshot VALUES ('u:X', '{}', x'00'); INSERT INTO meta VALUES ('index_snapshot', '1')");
      reopened.close();
      const again = ReadModels.open(file);
      expect(again.database.prepare("SELECT name FROM sqlite_master WHERE name = 'index_snapshot'").get()).toBeUndefined();
      expect(again.database.prepare("SELECT value FROM meta WHERE key = 'index_snapshot'").get()).toBeUndefined();
      expect(again.loadIndex().source).toBe('table');
      again.close();
    });

    it('a row that does not read is not trusted: the index is built from the views', () => {
      const file = join(tmp.dir, 'rm.db');
      const models = ReadModels.open(file);
      models.applyBatch(log);
      models.saveIndexSnapshot(models.buildIndex());
      models.database.prepare("UPDATE index_months SET blocks = x'0000' WHERE id LIKE 'u:%'").run();
      models.close();
      const reopened = ReadModels.open(file);
      const loaded = reopened.loadIndex();
      expect(loaded.source).toBe('table');
      expect(reports(loaded.index, tree)).toEqual(reports(reopened.buildIndex(), tree));
      reopened.close();
    });

    it('a second save replaces the first', () => {
      const file = join(tmp.dir, 'rm.db');
      const models = ReadModels.open(file);
      models.applyBatch(log.slice(0, 300));
      models.saveIndexSnapshot(models.buildIndex());
      models.applyBatch(log.slice(300));
      models.saveIndexSnapshot(models.buildIndex());
      models.close();
      const reopened = ReadModels.open(file);
      const loaded = reopened.loadIndex();
      expect(loaded.source).toBe('snapshot');
      expect(reports(loaded.index, tree)).toEqual(reports(reopened.buildIndex(), tree));
      reopened.close();
    });
  });
});
