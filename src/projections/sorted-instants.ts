/**
 * A sorted multiset of numbers (the index's keys) in a growable Float64Array, answering "how many
 * are before k" by binary search. Live inserts land near the end (events arrive roughly in time
 * order), so the memmove of an insert is short; bulk loads append unsorted and sort once.
 */
export class SortedInstants {
  private data: Float64Array;
  private length = 0;
  private sorted = true;

  constructor(capacity = 4) {
    this.data = new Float64Array(capacity);
  }

  /** Takes `sorted` as it is (no copy): it must be sorted ascending and not be written elsewhere. */
  static fromSorted(sorted: Float64Array): SortedInstants {
    const s = new SortedInstants(0);
    s.data = sorted;
    s.length = sorted.length;
    return s;
  }

  get size(): number {
    return this.length;
  }

  /** Number of values strictly before `t`; optionally searching only [lo, hi), known to bracket the answer. */
  countBefore(t: number, lo = 0, hi = this.length): number {
    if (!this.sorted) this.ensureSorted();
    const d = this.data;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Number of values at or before `t`. */
  countAtOrBefore(t: number): number {
    if (!this.sorted) this.ensureSorted();
    const d = this.data;
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(t: number): void {
    this.ensureSorted();
    this.grow();
    // After its equals: many dossiers share an instant (a batch received at once shares its
    // receipt and due instants), and an insert before them all moved every one of them.
    const i = this.countAtOrBefore(t);
    this.data.copyWithin(i + 1, i, this.length);
    this.data[i] = t;
    this.length++;
  }

  /** Removes one occurrence of `t` (the last: the fewest values move); false when absent. */
  remove(t: number): boolean {
    this.ensureSorted();
    const i = this.countAtOrBefore(t) - 1;
    if (i < 0 || this.data[i] !== t) return false;
    this.data.copyWithin(i, i + 1, this.length);
    this.length--;
    return true;
  }

  /** Appends without keeping order: for bulk loads, followed by `seal()`. */
  push(t: number): void {
    this.grow();
    if (this.length > 0 && t < this.data[this.length - 1]) this.sorted = false;
    this.data[this.length++] = t;
  }

  /**
   * Removes one occurrence of each of `values` (sorted ascending) in one merge pass; throws when
   * one is absent. The bulk counterpart of `remove`.
   */
  subtractSorted(values: Float64Array): void {
    this.ensureSorted();
    const d = this.data;
    let w = 0;
    let j = 0;
    for (let r = 0; r < this.length; r++) {
      if (j < values.length && d[r] === values[j]) {
        j++;
        continue;
      }
      if (j < values.length && values[j] < d[r]) break;
      d[w++] = d[r];
    }
    if (j < values.length) throw new Error(`index entry ${values[j]} not found`);
    this.length = w;
  }

  /** Sorts after bulk pushes and gives back unused capacity. */
  seal(): void {
    this.ensureSorted();
    if (this.data.length > this.length + 16) this.data = this.data.slice(0, this.length + 16);
  }

  /** The sorted content, as a view (valid until the next change). */
  view(): Float64Array {
    this.ensureSorted();
    return this.data.subarray(0, this.length);
  }

  private ensureSorted(): void {
    if (this.sorted) return;
    this.data.subarray(0, this.length).sort();
    this.sorted = true;
  }

  private grow(): void {
    if (this.length < this.data.length) return;
    const bigger = new Float64Array(Math.max(4, this.data.length * 2));
    bigger.set(this.data.subarray(0, this.length));
    this.data = bigger;
  }
}
