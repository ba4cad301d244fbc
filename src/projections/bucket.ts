/**
 * A bucket of the report index: the (category, instant) entries of a group of dossiers (a unit's,
 * a unit's for one procedure, a subtree's...), answering "how many entries of category c before t".
 *
 * Every entry is a composite key `category * 2^43 + (t + 2^42)`: categories occupy consecutive
 * ranges and instants are sorted within each; every key is an exact integer below 2^53, and
 * instants from 1830 to 2109 fit. Two layouts of the same keys:
 *  - small buckets (the great majority: a unit's dossiers of one procedure) keep ONE sorted array,
 *    which keeps the object count, and so memory, low at a million dossiers;
 *  - big buckets (a busy unit, a subtree's roll-up) keep one sorted array per category, so that a
 *    live insert only moves the entries of its own category that come after it (few: events
 *    arrive roughly in time order), not every entry of the later categories.
 */
import { SortedInstants } from './sorted-instants.js';

export const CATEGORY_SPAN = 2 ** 43;
const INSTANT_OFFSET = 2 ** 42;
/** Below this many keys a bucket is scanned rather than searched. */
const LINEAR_SCAN_MAX = 48;
/** Above this many keys a bucket keeps one array per category. */
const SPLIT_AT = 16_384;

/** Whether the index can hold instant `t` (epoch ms, about 1830-2109); false for NaN. */
export const isIndexableInstant = (t: number): boolean => t >= -INSTANT_OFFSET && t < INSTANT_OFFSET;

export function keyOf(category: number, t: number): number {
  if (!isIndexableInstant(t)) throw new RangeError(`instant ${t} is out of the index's range`);
  return category * CATEGORY_SPAN + t + INSTANT_OFFSET;
}

const clampInstant = (t: number) => Math.max(0, Math.min(CATEGORY_SPAN, t + INSTANT_OFFSET));

export class Bucket {
  /** One array of all keys, or null once split. */
  private keys: SortedInstants | null = new SortedInstants();
  /** One array per category (keys of that category only), or null while not split. */
  private split: SortedInstants[] | null = null;
  /** Bulk removals, applied by `seal()`. */
  private removed: SortedInstants | null = null;

  constructor(readonly categories: number) {}

  /** A bucket over keys already sorted (a snapshot); takes ownership of `sorted`. */
  static fromSorted(categories: number, sorted: Float64Array): Bucket {
    const b = new Bucket(categories);
    b.keys = SortedInstants.fromSorted(sorted);
    if (sorted.length > SPLIT_AT) b.splitByCategory();
    return b;
  }

  get size(): number {
    if (this.keys) return this.keys.size;
    let n = 0;
    for (const s of this.split!) n += s.size;
    return n;
  }

  /** Entries of `category` strictly before `t`. */
  count(category: number, t: number): number {
    const atFrom = new Float64Array(this.categories);
    const atEnd = new Float64Array(this.categories);
    this.accumulate(t, t, atFrom, atEnd);
    return atEnd[category];
  }

  /**
   * Adds, for every category c, the number of its entries before `from` to atFrom[c] and before
   * `end` to atEnd[c]: the whole report of a bucket in one pass, searching each category's range only.
   */
  accumulate(from: number, end: number, atFrom: Float64Array, atEnd: Float64Array): void {
    const f = clampInstant(from);
    const e = clampInstant(end);
    if (this.split) {
      for (let c = 0; c < this.categories; c++) {
        const s = this.split[c];
        if (s.size === 0) continue;
        atFrom[c] += s.countBefore(c * CATEGORY_SPAN + f);
        atEnd[c] += s.countBefore(c * CATEGORY_SPAN + e);
      }
      return;
    }
    const keys = this.keys!;
    if (keys.size <= LINEAR_SCAN_MAX) {
      // Small buckets: one pass beats a dozen binary searches.
      const view = keys.view();
      for (let i = 0; i < view.length; i++) {
        const c = Math.floor(view[i] / CATEGORY_SPAN);
        const t = view[i] - c * CATEGORY_SPAN;
        if (t < f) atFrom[c]++;
        if (t < e) atEnd[c]++;
      }
      return;
    }
    let lo = 0;
    for (let c = 0; c < this.categories; c++) {
      const hi = keys.countBefore((c + 1) * CATEGORY_SPAN, lo);
      if (hi > lo) {
        atFrom[c] += keys.countBefore(c * CATEGORY_SPAN + f, lo, hi) - lo;
        atEnd[c] += keys.countBefore(c * CATEGORY_SPAN + e, lo, hi) - lo;
      }
      lo = hi;
    }
  }

  /** Adds an entry in order (live), or appends it for `seal()` to sort (bulk). */
  add(category: number, t: number, bulk = false): void {
    const k = keyOf(category, t);
    const target = this.split ? this.split[category] : this.keys!;
    if (bulk) target.push(k);
    else {
      target.insert(k);
      if (this.keys && this.keys.size > SPLIT_AT) this.splitByCategory();
    }
  }

  remove(category: number, t: number): void {
    const k = keyOf(category, t);
    const target = this.split ? this.split[category] : this.keys!;
    if (!target.remove(k)) throw new Error(`index entry ${category}@${t} not found`);
  }

  /** Records a removal for `seal()`: the bulk counterpart of `remove`. */
  removeLater(category: number, t: number): void {
    (this.removed ??= new SortedInstants()).push(keyOf(category, t));
  }

  /** Sorts after bulk adds, applies bulk removals, and picks the layout for the size. */
  seal(): void {
    if (this.removed) {
      const removed = this.removed.view();
      this.removed = null;
      this.subtract(removed);
    }
    if (this.keys && this.keys.size > SPLIT_AT) this.splitByCategory();
    if (this.keys) this.keys.seal();
    else for (const s of this.split!) s.seal();
  }

  /** Removes one occurrence of each of these keys (sorted ascending); throws when one is absent. */
  subtract(sorted: Float64Array): void {
    if (!this.split) return this.keys!.subtractSorted(sorted);
    for (let c = 0, lo = 0; c < this.categories; c++) {
      let hi = lo;
      while (hi < sorted.length && sorted[hi] < (c + 1) * CATEGORY_SPAN) hi++;
      if (hi > lo) this.split[c].subtractSorted(sorted.subarray(lo, hi));
      lo = hi;
    }
  }

  /** All keys in order (for snapshots and roll-ups); valid until the next change. */
  sortedKeys(): Float64Array {
    if (this.removed) this.seal();
    if (this.keys) return this.keys.view();
    const out = new Float64Array(this.size);
    let at = 0;
    for (const s of this.split!) {
      out.set(s.view(), at);
      at += s.size;
    }
    return out;
  }

  private splitByCategory(): void {
    const all = this.keys!.view();
    const split: SortedInstants[] = [];
    for (let c = 0, lo = 0; c < this.categories; c++) {
      const hi = this.keys!.countBefore((c + 1) * CATEGORY_SPAN, lo);
      split.push(SortedInstants.fromSorted(all.slice(lo, hi)));
      lo = hi;
    }
    this.split = split;
    this.keys = null;
  }
}
