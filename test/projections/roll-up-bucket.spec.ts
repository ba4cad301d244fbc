import { describe, expect, it, jest } from '@jest/globals';
import { Bucket, MONTH_START, monthOf } from '../../src/projections/report-index/bucket.js';
import { GatheredCategory, GATHER_AFTER, RollUpBucket } from '../../src/projections/report-index/roll-up-bucket.js';
import { prng } from '../../bench/support/synthetic-history.js';

const CATEGORIES = 4;
const JAN = monthOf(Date.parse('2025-01-15T00:00:00+07:00'));
const DAY = 86_400_000;

/** A roll-up over `units` member buckets, changed as the index changes them: the member, then the roll-up. */
function rollUpOver(units: number) {
  const members = Array.from({ length: units }, () => new Bucket(CATEGORIES));
  const rollUp = new RollUpBucket(CATEGORIES, () => members);
  return {
    members,
    rollUp,
    add(unit: number, c: number, t: number) {
      members[unit].add(c, t);
      rollUp.add(c, t);
    },
    remove(unit: number, c: number, t: number) {
      members[unit].remove(c, t);
      rollUp.remove(c, t);
    },
  };
}

/** What the members' buckets hold before `from` and before `end`, summed: what the roll-up must answer. */
function expectSum(rollUp: Bucket, members: Bucket[], from: number, end: number) {
  const want = [new Float64Array(CATEGORIES), new Float64Array(CATEGORIES)];
  for (const m of members) m.accumulate(from, end, want[0], want[1]);
  const got = [new Float64Array(CATEGORIES), new Float64Array(CATEGORIES)];
  rollUp.accumulate(from, end, got[0], got[1]);
  expect(got.map((a) => [...a])).toEqual(want.map((a) => [...a]));
}

describe('roll-up bucket: the sum of its members, a month inside which a report ends gathered once asked again unchanged', () => {
  for (const [units, perUnit] of [[3, 40], [30, 700]]) {
    it(`${units} members of ${perUnit} entries: every answer, inside months asked again, changed, asked again, equals the members' sum`, () => {
      const random = prng(units * 1000 + perUnit);
      const r = rollUpOver(units);
      const held: [number, number, number][] = [];
      // Over three months, with instants shared by many entries (a batch at once) and at the months' first and last ms.
      const instant = () => {
        const m = JAN + Math.floor(random() * 3);
        const k = random();
        return k < 0.05 ? MONTH_START[m] : k < 0.1 ? MONTH_START[m + 1] - 1 : k < 0.2 ? MONTH_START[m] + 5 * DAY : MONTH_START[m] + Math.floor(random() * (MONTH_START[m + 1] - MONTH_START[m]));
      };
      for (let i = 0; i < units * perUnit; i++) {
        const e: [number, number, number] = [Math.floor(random() * units), Math.floor(random() * CATEGORIES), instant()];
        held.push(e);
        r.add(...e);
      }
      for (let step = 0; step < 300; step++) {
        const k = random();
        if (k < 0.15) {
          const e: [number, number, number] = [Math.floor(random() * units), Math.floor(random() * CATEGORIES), instant()];
          held.push(e);
          r.add(...e);
        } else if (k < 0.3 && held.length > 0) {
          r.remove(...held.splice(Math.floor(random() * held.length), 1)[0]);
        } else {
          // Ends at held entries' instants (exactly, and a ms after), at months' edges, anywhere.
          const at = held[Math.floor(random() * held.length)][2] + (random() < 0.5 ? 0 : 1);
          const end = random() < 0.7 ? at : instant();
          const from = random() < 0.5 ? MONTH_START[JAN] : instant();
          for (let again = 0; again <= GATHER_AFTER; again++) expectSum(r.rollUp, r.members, Math.min(from, end), Math.max(from, end));
        }
      }
    });
  }

  it('a month asked again without a change in between is answered without walking the members; a change there walks them again', () => {
    const r = rollUpOver(5);
    for (let i = 0; i < 500; i++) r.add(i % 5, i % CATEGORIES, MONTH_START[JAN] + i * 3_600_000);
    const walks = r.members.map((m) => jest.spyOn(m, 'addWithinMonth'));
    const walked = () => walks.reduce((n, w) => n + w.mock.calls.length, 0);
    const end = MONTH_START[JAN] + 10 * DAY + 123;
    for (let i = 0; i < GATHER_AFTER + 3; i++) expectSum(r.rollUp, r.members, MONTH_START[JAN], end);
    expect(walked()).toBe((GATHER_AFTER - 1) * 5);
    // A change in another month keeps January's; one in January lets it go.
    r.add(0, 1, MONTH_START[JAN + 1] + 7);
    expectSum(r.rollUp, r.members, MONTH_START[JAN], end);
    expect(walked()).toBe((GATHER_AFTER - 1) * 5);
    r.remove(0, 0, MONTH_START[JAN]);
    walks.forEach((w) => w.mockClear());
    for (let i = 0; i < GATHER_AFTER + 3; i++) expectSum(r.rollUp, r.members, MONTH_START[JAN], end);
    expect(walked()).toBe((GATHER_AFTER - 1) * 5);
  });

  it('keeps at most its budget of gathered entries, the least recently asked month let go first, and answers the same', () => {
    const members = Array.from({ length: 4 }, () => new Bucket(CATEGORIES));
    const rollUp = new RollUpBucket(CATEGORIES, () => members, 1_000);
    for (let m = JAN; m < JAN + 6; m++) {
      for (let i = 0; i < 400; i++) {
        const t = MONTH_START[m] + i * 6_000_000 + m;
        members[i % 4].add(i % CATEGORIES, t);
        rollUp.add(i % CATEGORIES, t);
      }
    }
    const walks = members.map((m) => jest.spyOn(m, 'addWithinMonth'));
    const walked = () => walks.reduce((n, w) => n + w.mock.calls.length, 0);
    const ask = (m: number) => expectSum(rollUp, members, MONTH_START[JAN], MONTH_START[m] + 20 * DAY + 17);
    for (let m = JAN; m < JAN + 6; m++) for (let i = 0; i < GATHER_AFTER; i++) ask(m);
    walks.forEach((w) => w.mockClear());
    // 400 entries a month, 1,000 kept: the last two months asked are still gathered, the first ones not.
    ask(JAN + 5);
    ask(JAN + 4);
    expect(walked()).toBe(0);
    ask(JAN);
    expect(walked()).toBe(4);
  });
});

describe('a gathered category: entries in bins of the month, unsorted within a bin', () => {
  it('counts the entries below any offset, whatever the size (1 to 16 bits of bins) and however the entries fall', () => {
    const random = prng(5);
    for (const size of [0, 1, 2, 31, 1_000, 40_000, 600_000]) {
      const spread = random() < 0.5 ? 2 ** 32 - 1 : 31 * DAY;
      const parts = Array.from({ length: 1 + Math.floor(random() * 5) }, () => new Uint32Array(0));
      const all = new Uint32Array(size);
      for (let i = 0; i < size; i++) all[i] = i % 7 === 0 ? all[Math.floor(random() * (i + 1))] : Math.floor(random() * spread);
      // Split among members, each sorted as a member's bucket holds them.
      let at = 0;
      parts.forEach((_, p) => {
        const n = p === parts.length - 1 ? size - at : Math.floor(random() * (size - at));
        parts[p] = all.slice(at, at + n).sort();
        at += n;
      });
      const g = GatheredCategory.of(parts, size);
      const sorted = all.slice().sort();
      const below = (x: number) => {
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (sorted[mid] < x) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
      expect(g.size).toBe(size);
      for (let k = 0; k < 300; k++) {
        const x = k % 3 === 0 && size > 0 ? sorted[Math.floor(random() * size)] + (k % 2) : Math.floor(random() * spread);
        expect(g.countBefore(x)).toBe(below(x));
      }
      for (const x of [0, 1, 2 ** 31, 2 ** 32 - 1]) expect(g.countBefore(x)).toBe(below(x));
    }
  });
});
