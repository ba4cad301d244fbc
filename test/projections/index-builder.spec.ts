/**
 * The bulk builder of the report index's buckets (index-builder.ts) makes its buckets a window at a
 * time, each window one pass over the columns of entries (held in chunks): whatever the window
 * and the chunks' size, the buckets hold the same entries (additions, removals, and keys a bucket held
 * before).
 */
import { describe, expect, it } from '@jest/globals';
import type { Bucket } from '../../src/projections/report-index/bucket.js';
import { IndexBuilder, type BuiltUnit } from '../../src/projections/report-index/index-builder.js';
import { TimelinessIndex } from '../../src/projections/report-index/timeliness-index.js';
import { syntheticLog } from '../../bench/support/synthetic-history.js';
import { ViewReplay } from '../../src/projections/as-of/replay.js';
import { START } from './support/index-reports.js';

const DAY = 86_400_000;

function views(dossiers: number) {
  const replay = new ViewReplay();
  syntheticLog({ seed: 11, dossiers, unitIds: ['A', 'B', 'C'], procedureCodes: ['P1', 'P2', 'P3'], start: START, spanMs: 90 * DAY }).forEach((e) => replay.apply(e));
  return [...replay.views.values()];
}

const contents = (built: Map<string, BuiltUnit>) => {
  const keys = (b: Bucket | undefined) => (b === undefined ? [] : [...b.sortedKeys()]);
  return [...built].map(([unitId, u]) => [
    unitId,
    keys(u.all),
    [...u.byProcedure].map(([code, b]) => [code, keys(b)]),
    [...u.stepsByHandler].map(([handler, b]) => [handler, keys(b)]),
  ]);
};

describe('index builder', () => {
  it('builds the same buckets whatever its window, removals and earlier keys included', () => {
    const all = views(3000);
    const build = (options?: { window?: number; chunkBits?: number }) => {
      const builder = new IndexBuilder(options);
      all.forEach((v) => builder.add(v));
      all.slice(0, 500).forEach((v) => builder.remove(v));
      // Keys a bucket held before the build: the removed views' entries, kept through the removals.
      const before = new IndexBuilder();
      all.slice(0, 500).forEach((v) => before.add(v));
      const held = before.build();
      return contents(
        builder.build((unitId, kind, key) => {
          const u = held.get(unitId);
          return (kind === 'all' ? u?.all : kind === 'procedure' ? u?.byProcedure.get(key) : u?.stepsByHandler.get(key))?.sortedKeys();
        }),
      );
    };
    const whole = build();
    expect(whole.length).toBe(3);
    expect(build({ window: 1 })).toEqual(whole);
    expect(build({ window: 5000 })).toEqual(whole);
    // Columns of many small chunks, a chunk of one entry included.
    expect(build({ window: 5000, chunkBits: 9 })).toEqual(whole);
    expect(build({ chunkBits: 0 })).toEqual(whole);
  });

  it('an index sealing its bulk entries every few as they come counts the same as one sealed once, removals of entries sealed earlier included', () => {
    const all = views(3000);
    // As a rebuild feeds its index: views written, some read back (taken out) and written again changed or not.
    const feed = (index: TimelinessIndex) => {
      all.forEach((v, i) => {
        index.bulkAdd(v);
        if (i % 7 === 3) {
          const again = all[i - 3];
          index.bulkRemove(again);
          index.bulkAdd(again);
        }
      });
      all.slice(0, 400).forEach((v) => index.bulkRemove(v));
      return index;
    };
    const once = feed(new TimelinessIndex({ bulkSealEntries: Number.POSITIVE_INFINITY }));
    const often = feed(new TimelinessIndex({ bulkSealEntries: 97 }));
    const counted = (index: TimelinessIndex) => index.unitList().map(([unitId, u]) => [unitId, [...u.all.sortedKeys()], [...u.byProcedure].map(([c, b]) => [c, [...b.sortedKeys()]]), [...u.stepsByHandler].map(([h, b]) => [h, [...b.sortedKeys()]])]);
    expect(counted(often)).toEqual(counted(once));
    expect(once.dossierCount()).toBe(all.length - 400);
  });
});
