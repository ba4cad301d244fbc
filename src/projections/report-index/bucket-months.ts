/**
 * Where a bucket keeps its entries: by calendar month (+07:00), as 32-bit offsets from the month's
 * start; all months packed in one array (small buckets), or one segment per month (big ones).
 */
import { lowerBound, SortedOffsets, upperBound } from './sorted-instants.js';

/** Above this many entries a month keeps one array per category. */
const SPLIT_AT = 16_384;

// ---- months (+07:00) from 1830 to 2110: every indexable instant falls in one ----

const ZONE_MS = 7 * 3_600_000;
const FIRST_YEAR = 1830;
export const MONTHS = 281 * 12;
export const MONTH_START = Float64Array.from({ length: MONTHS + 1 }, (_, i) => Date.UTC(FIRST_YEAR + Math.floor(i / 12), i % 12, 1) - ZONE_MS);
const MEAN_MONTH = (MONTH_START[MONTHS] - MONTH_START[0]) / MONTHS;

/** The month holding `t`, which must lie within the table. */
export function monthOf(t: number): number {
  let m = Math.min(MONTHS - 1, Math.max(0, Math.floor((t - MONTH_START[0]) / MEAN_MONTH)));
  while (m > 0 && MONTH_START[m] > t) m--;
  while (m < MONTHS - 1 && MONTH_START[m + 1] <= t) m++;
  return m;
}

/** The entries of one month: `data` holds the count per category, then (not split) the offsets. */
export class Segment {
  data: Uint32Array;
  split: SortedOffsets[] | null = null;
  size = 0;

  constructor(
    readonly categories: number,
    capacity: number,
  ) {
    this.data = new Uint32Array(categories + capacity);
  }

  /** A segment over `data` as laid out here (counts, then `size` offsets); split when big. */
  static of(categories: number, data: Uint32Array, size: number): Segment {
    const s = new Segment(categories, 0);
    s.data = data;
    s.size = size;
    if (size > SPLIT_AT) s.splitByCategory();
    return s;
  }

  /** Where category c's offsets start in `data` (not split). */
  private start(c: number): number {
    let at = this.categories;
    for (let k = 0; k < c; k++) at += this.data[k];
    return at;
  }

  countBefore(c: number, x: number): number {
    if (this.data[c] === 0) return 0;
    if (this.split) return this.split[c].countBefore(x);
    const lo = this.start(c);
    return lowerBound(this.data, lo, lo + this.data[c], x) - lo;
  }

  insert(c: number, x: number): void {
    if (this.split) this.split[c].insert(x);
    else {
      const used = this.categories + this.size;
      if (used === this.data.length) {
        const bigger = new Uint32Array(this.categories + Math.max(4, this.size * 2));
        bigger.set(this.data);
        this.data = bigger;
      }
      const lo = this.start(c);
      const i = upperBound(this.data, lo, lo + this.data[c], x);
      this.data.copyWithin(i + 1, i, used);
      this.data[i] = x;
    }
    this.data[c]++;
    this.size++;
    if (!this.split && this.size > SPLIT_AT) this.splitByCategory();
  }

  remove(c: number, x: number): boolean {
    if (this.data[c] === 0) return false;
    if (this.split) {
      if (!this.split[c].remove(x)) return false;
    } else {
      const lo = this.start(c);
      const i = upperBound(this.data, lo, lo + this.data[c], x) - 1;
      if (i < lo || this.data[i] !== x) return false;
      this.data.copyWithin(i, i + 1, this.categories + this.size);
    }
    this.data[c]--;
    this.size--;
    return true;
  }

  /** Category c's offsets in order (a view, valid until the next change). */
  offsets(c: number): Uint32Array {
    if (this.split) return this.split[c].view();
    const lo = this.start(c);
    return this.data.subarray(lo, lo + this.data[c]);
  }

  splitByCategory(): void {
    const split: SortedOffsets[] = [];
    for (let c = 0; c < this.categories; c++) split.push(SortedOffsets.fromSorted(this.offsets(c).slice()));
    this.split = split;
    this.data = this.data.slice(0, this.categories);
  }
}

/** Where a bucket's months live: packed in one array (small), or one segment each (big). */
export interface Months {
  /** Adds the counts before instant t, which lies in month m (MONTHS: after every month). */
  addBefore(t: number, m: number, into: Float64Array): void;
  insert(m: number, c: number, x: number): void;
  /** False when absent. */
  remove(m: number, c: number, x: number): boolean;
  /** Category c's offsets, month by month in order. */
  visit(c: number, f: (month: number, offsets: Uint32Array) => void): void;
  /** The count per category, month by month in order. */
  visitCounts(f: (month: number, counts: Uint32Array) => void): void;
  /** Every month as packed blocks (PackedMonths' layout): a view of its own array, or a fresh one. */
  blocks(): Uint32Array;
  /** Adds the counts of month m's entries before t (in month m). */
  addWithin(t: number, m: number, into: Float64Array): void;
  /** Month m's offsets of each category (views), when it has entries. */
  visitMonth(m: number, f: (c: number, offsets: Uint32Array) => void): void;
}

/** Offsets are whole milliseconds: "before t" is "below ceil(t - start)", none before the month's start. */
export const offsetBefore = (t: number, m: number) => Math.ceil(t - MONTH_START[m]);

/** All months in one array of blocks: [month, entries, count per category, offsets by category then in order]. */
export class PackedMonths implements Months {
  used = 0;

  constructor(
    readonly categories: number,
    public d: Uint32Array,
  ) {}

  /** The block of month m, or where it would go. */
  private block(m: number): number {
    let p = 0;
    while (p < this.used && this.d[p] < m) p += 2 + this.categories + this.d[p + 1];
    return p;
  }

  /** Where category c's offsets start in the block at p. */
  private start(p: number, c: number): number {
    let at = p + 2 + this.categories;
    for (let k = 0; k < c; k++) at += this.d[p + 2 + k];
    return at;
  }

  addBefore(t: number, m: number, into: Float64Array): void {
    const C = this.categories;
    const d = this.d;
    for (let p = 0; p < this.used; p += 2 + C + d[p + 1]) {
      if (d[p] < m) for (let c = 0; c < C; c++) into[c] += d[p + 2 + c];
      else {
        if (d[p] === m) this.within(p, t, m, into);
        return;
      }
    }
  }

  addWithin(t: number, m: number, into: Float64Array): void {
    const p = this.block(m);
    if (p < this.used && this.d[p] === m) this.within(p, t, m, into);
  }

  visitMonth(m: number, f: (c: number, offsets: Uint32Array) => void): void {
    const p = this.block(m);
    if (!(p < this.used && this.d[p] === m)) return;
    for (let c = 0, lo = p + 2 + this.categories; c < this.categories; c++) {
      const hi = lo + this.d[p + 2 + c];
      f(c, this.d.subarray(lo, hi));
      lo = hi;
    }
  }

  private within(p: number, t: number, m: number, into: Float64Array): void {
    const x = offsetBefore(t, m);
    const d = this.d;
    for (let c = 0, lo = p + 2 + this.categories; c < this.categories; c++) {
      const hi = lo + d[p + 2 + c];
      if (hi > lo) into[c] += lowerBound(d, lo, hi, x) - lo;
      lo = hi;
    }
  }

  private ensure(extra: number): void {
    if (this.used + extra <= this.d.length) return;
    const bigger = new Uint32Array(Math.max(this.used + extra, Math.ceil(this.d.length * 1.5) + 8));
    bigger.set(this.d.subarray(0, this.used));
    this.d = bigger;
  }

  insert(m: number, c: number, x: number): void {
    const C = this.categories;
    const p = this.block(m);
    if (p === this.used || this.d[p] !== m) {
      this.ensure(2 + C + 1);
      this.d.copyWithin(p + 2 + C, p, this.used);
      this.d.fill(0, p, p + 2 + C);
      this.d[p] = m;
      this.used += 2 + C;
    } else this.ensure(1);
    const lo = this.start(p, c);
    const i = upperBound(this.d, lo, lo + this.d[p + 2 + c], x);
    this.d.copyWithin(i + 1, i, this.used);
    this.d[i] = x;
    this.used++;
    this.d[p + 1]++;
    this.d[p + 2 + c]++;
  }

  remove(m: number, c: number, x: number): boolean {
    const p = this.block(m);
    if (p === this.used || this.d[p] !== m) return false;
    const lo = this.start(p, c);
    const i = upperBound(this.d, lo, lo + this.d[p + 2 + c], x) - 1;
    if (i < lo || this.d[i] !== x) return false;
    this.d.copyWithin(i, i + 1, this.used);
    this.used--;
    this.d[p + 2 + c]--;
    if (--this.d[p + 1] === 0) {
      this.d.copyWithin(p, p + 2 + this.categories, this.used);
      this.used -= 2 + this.categories;
    }
    return true;
  }

  visitCounts(f: (month: number, counts: Uint32Array) => void): void {
    for (let p = 0; p < this.used; p += 2 + this.categories + this.d[p + 1]) f(this.d[p], this.d.subarray(p + 2, p + 2 + this.categories));
  }

  visit(c: number, f: (month: number, offsets: Uint32Array) => void): void {
    for (let p = 0; p < this.used; p += 2 + this.categories + this.d[p + 1]) {
      const lo = this.start(p, c);
      f(this.d[p], this.d.subarray(lo, lo + this.d[p + 2 + c]));
    }
  }

  blocks(): Uint32Array {
    return this.d.subarray(0, this.used);
  }

  /** The blocks as segments, for a bucket grown past PACK_MAX. */
  toSegments(): SegmentedMonths {
    const C = this.categories;
    const out = new SegmentedMonths(C);
    for (let p = 0; p < this.used; ) {
      const n = this.d[p + 1];
      out.months.push(this.d[p]);
      out.segments.push(Segment.of(C, this.d.slice(p + 2, p + 2 + C + n), n));
      p += 2 + C + n;
    }
    return out;
  }
}

/** One segment per month. */
export class SegmentedMonths implements Months {
  readonly months: number[] = [];
  readonly segments: Segment[] = [];

  constructor(readonly categories: number) {}

  addBefore(t: number, m: number, into: Float64Array): void {
    const C = this.categories;
    for (let i = 0; i < this.months.length; i++) {
      const month = this.months[i];
      const s = this.segments[i];
      if (month < m) for (let c = 0; c < C; c++) into[c] += s.data[c];
      else {
        if (month === m) {
          const x = offsetBefore(t, m);
          for (let c = 0; c < C; c++) into[c] += s.countBefore(c, x);
        }
        return;
      }
    }
  }

  /** Where month m is, or would be inserted. */
  private index(m: number): number {
    // Most changes are to the latest months: looked for from the end.
    let i = this.months.length;
    while (i > 0 && this.months[i - 1] >= m) i--;
    return i;
  }

  insert(m: number, c: number, x: number): void {
    const i = this.index(m);
    if (this.months[i] !== m) {
      this.months.splice(i, 0, m);
      this.segments.splice(i, 0, new Segment(this.categories, 4));
    }
    this.segments[i].insert(c, x);
  }

  remove(m: number, c: number, x: number): boolean {
    const i = this.index(m);
    if (this.months[i] !== m || !this.segments[i].remove(c, x)) return false;
    if (this.segments[i].size === 0) {
      this.months.splice(i, 1);
      this.segments.splice(i, 1);
    }
    return true;
  }

  visit(c: number, f: (month: number, offsets: Uint32Array) => void): void {
    for (let i = 0; i < this.months.length; i++) f(this.months[i], this.segments[i].offsets(c));
  }

  visitCounts(f: (month: number, counts: Uint32Array) => void): void {
    for (let i = 0; i < this.months.length; i++) f(this.months[i], this.segments[i].data.subarray(0, this.categories));
  }

  blocks(): Uint32Array {
    const C = this.categories;
    const out = new Uint32Array(this.segments.reduce((n, s) => n + 2 + C + s.size, 0));
    let p = 0;
    for (let i = 0; i < this.months.length; i++) {
      const s = this.segments[i];
      out[p] = this.months[i];
      out[p + 1] = s.size;
      out.set(s.data.subarray(0, C), p + 2);
      p += 2 + C;
      for (let c = 0; c < C; c++) {
        const offsets = s.offsets(c);
        out.set(offsets, p);
        p += offsets.length;
      }
    }
    return out;
  }

  addWithin(t: number, m: number, into: Float64Array): void {
    const i = this.index(m);
    if (this.months[i] !== m) return;
    const x = offsetBefore(t, m);
    for (let c = 0; c < this.categories; c++) into[c] += this.segments[i].countBefore(c, x);
  }

  visitMonth(m: number, f: (c: number, offsets: Uint32Array) => void): void {
    const i = this.index(m);
    if (this.months[i] === m) for (let c = 0; c < this.categories; c++) f(c, this.segments[i].offsets(c));
  }
}
