/**
 * A sorted multiset of instants within one month of a bucket, as offsets from the month's start
 * (whole milliseconds: under 2^32), in a growable Uint32Array: half the bytes of the epoch
 * instants. Answers "how many before x" by binary search. Live inserts land near the end (events
 * arrive roughly in time order), so the memmove of an insert is short.
 */
export class SortedOffsets {
  private data: Uint32Array;
  private length = 0;

  constructor(capacity = 4) {
    this.data = new Uint32Array(capacity);
  }

  /** Takes `sorted` as it is (no copy): it must be sorted ascending and not be written elsewhere. */
  static fromSorted(sorted: Uint32Array): SortedOffsets {
    const s = new SortedOffsets(0);
    s.data = sorted;
    s.length = sorted.length;
    return s;
  }

  get size(): number {
    return this.length;
  }

  /** Number of offsets strictly before `x`. */
  countBefore(x: number): number {
    return lowerBound(this.data, 0, this.length, x);
  }

  insert(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(Math.max(4, this.data.length * 2));
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
    }
    // After its equals: many dossiers share an instant, and an insert before them all moved every one of them.
    const i = upperBound(this.data, 0, this.length, x);
    this.data.copyWithin(i + 1, i, this.length);
    this.data[i] = x;
    this.length++;
  }

  /** Removes one occurrence of `x` (the last: the fewest values move); false when absent. */
  remove(x: number): boolean {
    const i = upperBound(this.data, 0, this.length, x) - 1;
    if (i < 0 || this.data[i] !== x) return false;
    this.data.copyWithin(i, i + 1, this.length);
    this.length--;
    return true;
  }

  /** The sorted content, as a view (valid until the next change). */
  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}

/** First index in [lo, hi) of sorted `d` whose value is not below `x`. */
export function lowerBound(d: Uint32Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (d[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [lo, hi) of sorted `d` whose value is above `x`. */
export function upperBound(d: Uint32Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (d[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
