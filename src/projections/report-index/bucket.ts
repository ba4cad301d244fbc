/**
 * A bucket of the report index: the (category, instant) entries of a group of dossiers (a unit's,
 * a unit's for one procedure, a subtree's...), answering "how many entries of category c before t".
 *
 * Entries are kept by calendar month (+07:00): each month a segment holding its count per category
 * and its entries as 32-bit offsets from the month's start, by category then in order; half the
 * bytes of epoch instants. A small bucket (most: a unit's dossiers of one procedure) packs all its
 * months in one array, which keeps the object count, and so memory, low. "Before t" is then the counts of the months before t's month plus a
 * binary search in t's month (none at a month's start: month, quarter and year reports read counts
 * only). A busy month (a subtree's roll-up) keeps one array per category, so that a live insert
 * only moves the entries of its own category that come after it.
 *
 * Outside, an entry is also the composite key `category * 2^43 + (t + 2^42)` (bulk builds,
 * snapshots): categories occupy consecutive ranges, instants sorted within each; every key is an
 * exact integer below 2^53, and instants from 1830 to 2109 fit.
 */
import { MONTH_START, MONTHS, monthOf, PackedMonths, SegmentedMonths } from './bucket-months.js';

export { MONTH_START, MONTHS, monthOf } from './bucket-months.js';

export const CATEGORY_SPAN = 2 ** 43;
const INSTANT_OFFSET = 2 ** 42;
/** Up to this many entries a bucket keeps all its months in one array (most buckets: objects cost more than entries). */
const PACK_MAX = 8_192;

/** Whether the index can hold instant `t` (whole epoch ms, about 1830-2109); false for NaN. */
export const isIndexableInstant = (t: number): boolean => Number.isInteger(t) && t >= -INSTANT_OFFSET && t < INSTANT_OFFSET;

export function keyOf(category: number, t: number): number {
  if (!isIndexableInstant(t)) throw new RangeError(`instant ${t} is out of the index's range`);
  return category * CATEGORY_SPAN + t + INSTANT_OFFSET;
}

export class Bucket {
  private store: PackedMonths | SegmentedMonths;
  private total = 0;
  /** Bulk removals (composite keys), applied by `seal()`. */
  private removed: number[] | null = null;

  constructor(readonly categories: number) {
    this.store = new PackedMonths(categories, new Uint32Array(0));
  }

  /** A bucket over composite keys already sorted (a build, a snapshot). */
  static fromSorted(categories: number, sorted: Float64Array): Bucket {
    const b = new Bucket(categories);
    b.load(sorted);
    return b;
  }

  /**
   * A bucket over `blocks` laid out as PackedMonths' (a snapshot's): taken as they are, made
   * segments when big. Throws when they do not hold `size` entries in that layout.
   */
  static fromMonthBlocks(categories: number, blocks: Uint32Array, size: number): Bucket {
    const C = categories;
    let p = 0;
    let total = 0;
    let month = -1;
    while (p < blocks.length) {
      const n = blocks[p + 1];
      let counted = 0;
      for (let c = 0; c < C; c++) counted += blocks[p + 2 + c];
      if (!(blocks[p] > month && blocks[p] < MONTHS && counted === n && n > 0)) break;
      month = blocks[p];
      total += n;
      p += 2 + C + n;
    }
    if (p !== blocks.length || total !== size) throw new Error(`month blocks of ${C} categories do not hold the ${size} entries announced`);
    const b = new Bucket(C);
    const packed = new PackedMonths(C, blocks);
    packed.used = blocks.length;
    b.store = size > PACK_MAX ? packed.toSegments() : packed;
    b.total = size;
    return b;
  }

  get size(): number {
    return this.total;
  }

  /** Every entry as month blocks (PackedMonths' layout: a snapshot's), a view valid until the next change. */
  monthBlocks(): Uint32Array {
    if (this.removed) this.seal();
    return this.store.blocks();
  }

  /** Entries of `category` strictly before `t`. */
  count(category: number, t: number): number {
    const at = new Float64Array(this.categories);
    this.addBefore(t, at);
    return at[category];
  }

  /**
   * Adds, for every category c, the number of its entries before `from` to atFrom[c] and before
   * `end` to atEnd[c]: the whole report of a bucket.
   */
  accumulate(from: number, end: number, atFrom: Float64Array, atEnd: Float64Array): void {
    this.addBefore(from, atFrom);
    this.addBefore(end, atEnd);
  }

  private addBefore(t: number, into: Float64Array): void {
    if (!(t > MONTH_START[0])) return; // NaN, or before every indexable instant
    this.store.addBefore(t, t >= MONTH_START[MONTHS] ? MONTHS : monthOf(t), into);
  }

  /** Adds the counts of the entries before t that lie in t's month (a roll-up's refinement). */
  addWithinMonth(t: number, m: number, into: Float64Array): void {
    this.store.addWithin(t, m, into);
  }

  /** Month m's offsets (from its start) of each category, in order: views valid until the next change. */
  visitMonth(m: number, f: (category: number, offsets: Uint32Array) => void): void {
    if (this.removed) this.seal();
    this.store.visitMonth(m, f);
  }

  /** The count per category, month by month in order (a roll-up sums them). */
  visitMonthCounts(f: (month: number, counts: Uint32Array) => void): void {
    if (this.removed) this.seal();
    this.store.visitCounts(f);
  }

  /** Adds an entry (`bulk` is accepted for callers that batch; the entry is placed at once). */
  add(category: number, t: number, _bulk = false): void {
    this.check(category, t);
    const m = monthOf(t);
    this.store.insert(m, category, t - MONTH_START[m]);
    this.total++;
    if (this.total > PACK_MAX && this.store instanceof PackedMonths) this.store = this.store.toSegments();
  }

  remove(category: number, t: number): void {
    this.check(category, t);
    const m = monthOf(t);
    if (!this.store.remove(m, category, t - MONTH_START[m])) throw new Error(`index entry ${category}@${t} not found`);
    this.total--;
  }

  /** Records a removal for `seal()`: the bulk counterpart of `remove`. */
  removeLater(category: number, t: number): void {
    (this.removed ??= []).push(keyOf(category, t));
  }

  /** Applies bulk removals. */
  seal(): void {
    if (this.removed === null) return;
    const removed = Float64Array.from(this.removed).sort();
    this.removed = null;
    this.subtract(removed);
  }

  /** Removes one occurrence of each of these composite keys (sorted ascending); throws when one is absent. */
  subtract(sorted: Float64Array): void {
    if (sorted.length === 0) return;
    const d = this.sortedKeys();
    let w = 0;
    let j = 0;
    for (let r = 0; r < d.length; r++) {
      if (j < sorted.length && d[r] === sorted[j]) {
        j++;
        continue;
      }
      if (j < sorted.length && sorted[j] < d[r]) break;
      d[w++] = d[r];
    }
    if (j < sorted.length) throw new Error(`index entry ${sorted[j]} not found`);
    this.load(d.subarray(0, w));
  }

  /** All entries as composite keys, in order (for snapshots and roll-ups): a fresh array. */
  sortedKeys(): Float64Array {
    if (this.removed) this.seal();
    const out = new Float64Array(this.total);
    let w = 0;
    for (let c = 0; c < this.categories; c++) {
      this.store.visit(c, (month, offsets) => {
        const base = c * CATEGORY_SPAN + INSTANT_OFFSET + MONTH_START[month];
        for (let k = 0; k < offsets.length; k++) out[w++] = base + offsets[k];
      });
    }
    return out;
  }

  /** Replaces the content by these composite keys (sorted): packed blocks, made segments when big. */
  private load(sorted: Float64Array): void {
    const C = this.categories;
    // Counts per month and category first, then each entry written at its place in one pass.
    const counts = new Map<number, Uint32Array>();
    let lo = Infinity;
    let hi = -Infinity;
    let current: Uint32Array | undefined;
    for (let i = 0; i < sorted.length; i++) {
      const c = Math.floor(sorted[i] / CATEGORY_SPAN);
      if (!(c >= 0 && c < C)) throw new Error(`index key ${sorted[i]} holds a category beyond the ${C} this bucket counts`);
      const t = sorted[i] - c * CATEGORY_SPAN - INSTANT_OFFSET;
      if (!(t >= lo && t < hi)) {
        const m = monthOf(t);
        lo = MONTH_START[m];
        hi = MONTH_START[m + 1];
        current = counts.get(m);
        if (current === undefined) counts.set(m, (current = new Uint32Array(C)));
      }
      current![c]++;
    }
    const months = [...counts.keys()].sort((a, b) => a - b);
    const d = new Uint32Array(months.length * (2 + C) + sorted.length);
    const writeAt = new Map<number, Uint32Array>();
    let p = 0;
    for (const m of months) {
      const n = counts.get(m)!;
      d[p] = m;
      d.set(n, p + 2);
      const at = new Uint32Array(C);
      let q = p + 2 + C;
      for (let c = 0; c < C; c++) {
        at[c] = q;
        q += n[c];
      }
      d[p + 1] = q - (p + 2 + C);
      writeAt.set(m, at);
      p = q;
    }
    lo = Infinity;
    hi = -Infinity;
    let target: Uint32Array | undefined;
    for (let i = 0; i < sorted.length; i++) {
      const c = Math.floor(sorted[i] / CATEGORY_SPAN);
      const t = sorted[i] - c * CATEGORY_SPAN - INSTANT_OFFSET;
      if (!(t >= lo && t < hi)) {
        const m = monthOf(t);
        lo = MONTH_START[m];
        hi = MONTH_START[m + 1];
        target = writeAt.get(m);
      }
      d[target![c]++] = t - lo;
    }
    const packed = new PackedMonths(C, d);
    packed.used = d.length;
    this.store = sorted.length > PACK_MAX ? packed.toSegments() : packed;
    this.total = sorted.length;
  }

  private check(category: number, t: number): void {
    if (!(category >= 0 && category < this.categories)) throw new RangeError(`category ${category} is beyond the ${this.categories} this bucket counts`);
    if (!isIndexableInstant(t)) throw new RangeError(`instant ${t} is out of the index's range`);
  }
}
