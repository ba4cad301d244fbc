import { describe, expect, it } from '@jest/globals';
import { Bucket } from '../../src/projections/report-index/bucket.js';
import { prng } from '../../bench/support/synthetic-history.js';

const CATEGORIES = 5;
const START = Date.parse('2025-01-01T00:00:00Z');
const DAY = 86_400_000;

/** The bucket's answer for every category at `from` and `end`, against a plain list of entries. */
function expectCounts(bucket: Bucket, entries: [number, number][], from: number, end: number) {
  const atFrom = new Float64Array(CATEGORIES);
  const atEnd = new Float64Array(CATEGORIES);
  bucket.accumulate(from, end, atFrom, atEnd);
  const naive = (x: number) => Array.from({ length: CATEGORIES }, (_, c) => entries.filter(([k, t]) => k === c && t < x).length);
  expect([...atFrom]).toEqual(naive(from));
  expect([...atEnd]).toEqual(naive(end));
}

describe('index bucket: months of offsets, one array per category in a busy month', () => {
  // Spread over ten months, or packed in one (past the split at 16,384 entries in a month).
  for (const [size, days] of [[30, 300], [2_000, 300], [40_000, 300], [40_000, 20]]) {
    it(`${size} entries over ${days} days: live inserts and removals, bulk adds and removals, a copy from its sorted keys`, () => {
      const random = prng(size + days);
      const entry = (): [number, number] => [Math.floor(random() * CATEGORIES), START + Math.floor(random() * days * DAY)];
      const live = new Bucket(CATEGORIES);
      const bulk = new Bucket(CATEGORIES);
      const entries: [number, number][] = [];
      for (let i = 0; i < size; i++) {
        const e = random() < 0.1 && entries.length > 0 ? entries[Math.floor(random() * entries.length)] : entry(); // duplicates too
        entries.push(e);
        live.add(e[0], e[1]);
        bulk.add(e[0], e[1], true);
      }
      // Take back a third, live and in bulk.
      const kept: [number, number][] = [];
      for (const e of entries) {
        if (random() < 1 / 3) {
          live.remove(e[0], e[1]);
          bulk.removeLater(e[0], e[1]);
        } else kept.push(e);
      }
      bulk.seal();
      expect(live.size).toBe(kept.length);
      expect(bulk.size).toBe(kept.length);
      expect(bulk.sortedKeys()).toEqual(live.sortedKeys());
      const copy = Bucket.fromSorted(CATEGORIES, live.sortedKeys().slice());
      for (let k = 0; k < 20; k++) {
        const from = START - DAY + Math.floor(random() * 310 * DAY);
        const end = from + Math.floor(random() * 60 * DAY);
        for (const b of [live, bulk, copy]) expectCounts(b, kept, from, end);
      }
      // Exactly at an entry's instant: not before it.
      const [c, t] = kept[0];
      expect(live.count(c, t)).toBe(kept.filter(([k, x]) => k === c && x < t).length);
      expect(live.count(c, t + 1)).toBe(kept.filter(([k, x]) => k === c && x <= t).length);
    });
  }

  it('thousands of entries at one instant (a batch received at once): inserted and removed one by one, counted exactly', () => {
    const live = new Bucket(CATEGORIES);
    const entries: [number, number][] = [];
    for (let i = 0; i < 6_000; i++) {
      const e: [number, number] = i % 3 === 0 ? [i % CATEGORIES, START + (i % 7) * DAY] : [1, START + DAY];
      entries.push(e);
      live.add(e[0], e[1]);
    }
    const kept = entries.filter((e, i) => {
      if (i % 4 !== 1) return true;
      live.remove(e[0], e[1]);
      return false;
    });
    expect(live.size).toBe(kept.length);
    for (const [from, end] of [[START, START + DAY], [START + DAY, START + DAY + 1], [START - 1, START + 8 * DAY]]) expectCounts(live, kept, from, end);
    expect(() => live.remove(1, START + DAY + 1)).toThrow(/not found/);
  });

  it('counts exactly at month starts (+07:00) and across years', () => {
    const monthStart = (y: number, m: number) => Date.UTC(y, m, 1) - 7 * 3_600_000;
    const instants = [monthStart(2025, 0), monthStart(2025, 0) - 1, monthStart(2025, 1), monthStart(2025, 1) + 1, monthStart(1900, 5), monthStart(2100, 11) + 123];
    const entries: [number, number][] = instants.flatMap((t, i) => [[i % CATEGORIES, t] as [number, number], [(i + 1) % CATEGORIES, t + 86_399_999]]);
    const b = new Bucket(CATEGORIES);
    for (const [c, t] of entries) b.add(c, t);
    for (const from of [...instants, -Infinity, Number.NaN]) for (const end of [...instants, Infinity]) expectCounts(b, entries, from, end);
  });

  it('refuses to remove what it does not hold, live or at seal', () => {
    const b = new Bucket(CATEGORIES);
    b.add(1, START);
    expect(() => b.remove(1, START + 1)).toThrow(/not found/);
    b.removeLater(2, START);
    expect(() => b.seal()).toThrow(/not found/);
  });
});
