/**
 * The rows a SQLite store committed last, read from memory by subscriptions following the head:
 * a range is answered only when every position of it is held, and then exactly as the file's
 * SELECT would answer it (prefix filter, limit). The store-level check against the file is in
 * sqlite-recent-reads.spec.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { RecentLog, type StoredRow } from '../../src/event-store/sqlite/recent-log.js';

const row = (position: number, streamId = `dossier-${position}`): StoredRow => [position, streamId, 0, `e${position}`, 'T', `{"n":${position}}`, '{}', 'c'];
const rows = (from: number, to: number, streamId?: (p: number) => string) =>
  Array.from({ length: to - from + 1 }, (_, i) => row(from + i, streamId?.(from + i)));
const positions = (read: StoredRow[] | undefined) => read?.map((r) => r[0]);

describe('RecentLog', () => {
  it('answers a range it holds whole, and nothing else', () => {
    const log = new RecentLog();
    expect(log.read(0, 1, 10, undefined)).toBeUndefined();
    log.add(rows(5, 10));
    expect(positions(log.read(4, 10, 100, undefined))).toEqual([5, 6, 7, 8, 9, 10]);
    expect(positions(log.read(7, 9, 100, undefined))).toEqual([8, 9]);
    expect(log.read(3, 10, 100, undefined)).toBeUndefined(); // position 4 is not held
    expect(log.read(4, 11, 100, undefined)).toBeUndefined(); // nor 11
  });

  it('filters by stream prefix and stops at maxCount, as the SELECT does', () => {
    const log = new RecentLog();
    log.add(rows(1, 10, (p) => (p % 3 === 0 ? `catalog-${p}` : `dossier-${p}`)));
    expect(positions(log.read(0, 10, 100, ['catalog-']))).toEqual([3, 6, 9]);
    expect(positions(log.read(0, 10, 2, ['catalog-']))).toEqual([3, 6]);
    expect(positions(log.read(0, 10, 3, ['catalog-', 'dossier-1']))).toEqual([1, 3, 6]);
    expect(positions(log.read(0, 10, 100, []))).toEqual([]);
  });

  it('starts again after a gap (another writer in between)', () => {
    const log = new RecentLog();
    log.add(rows(1, 3));
    log.add([row(5)]);
    expect(log.read(2, 5, 100, undefined)).toBeUndefined();
    expect(positions(log.read(4, 5, 100, undefined))).toEqual([5]);
  });

  it('keeps the last `capacity` rows', () => {
    const log = new RecentLog(4);
    for (let p = 1; p <= 21; p += 3) log.add(rows(p, p + 2));
    // Positions 1-21 were added, three at a time; 18-21 are kept.
    expect(log.read(16, 21, 100, undefined)).toBeUndefined();
    expect(positions(log.read(17, 21, 100, undefined))).toEqual([18, 19, 20, 21]);
    log.add([row(22)]);
    expect(log.read(17, 22, 100, undefined)).toBeUndefined();
    expect(positions(log.read(18, 22, 100, undefined))).toEqual([19, 20, 21, 22]);
  });
});
