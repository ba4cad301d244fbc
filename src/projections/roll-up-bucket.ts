/**
 * A bucket of a roll-up (a subtree's): the count per category of each month only, the sum of its
 * members' buckets. "Before t" is the counts of the months before t's month, plus, when t falls
 * inside a month, what each member's bucket holds of that month before t. So a roll-up costs its
 * months' counts, whatever the number of dossiers, and month, quarter and year reports read it
 * alone; a report from or to an instant inside a month reads the members' buckets of that month.
 */
import { Bucket, isIndexableInstant, MONTH_START, MONTHS, monthOf } from './bucket.js';

export class RollUpBucket extends Bucket {
  /** Blocks of [month, count per category], by month. */
  private d: Uint32Array;
  private blocks = 0;
  private n = 0;

  /** `members`: the members' buckets of the same kind, as they are when asked. */
  constructor(
    categories: number,
    private readonly members: () => Iterable<Bucket>,
  ) {
    super(categories);
    this.d = new Uint32Array(0);
  }

  /** A roll-up bucket holding the counts of `parts` (its members' buckets at creation). */
  static over(categories: number, parts: Iterable<Bucket>, members: () => Iterable<Bucket>): RollUpBucket {
    const r = new RollUpBucket(categories, members);
    for (const p of parts) r.addCounts(p);
    return r;
  }

  override get size(): number {
    return this.n;
  }

  override count(category: number, t: number): number {
    const at = new Float64Array(this.categories);
    this.before(t, at);
    return at[category];
  }

  override accumulate(from: number, end: number, atFrom: Float64Array, atEnd: Float64Array): void {
    this.before(from, atFrom);
    this.before(end, atEnd);
  }

  private before(t: number, into: Float64Array): void {
    if (!(t > MONTH_START[0])) return;
    const m = t >= MONTH_START[MONTHS] ? MONTHS : monthOf(t);
    const C = this.categories;
    const w = 1 + C;
    for (let b = 0; b < this.blocks; b++) {
      const p = b * w;
      if (this.d[p] < m) for (let c = 0; c < C; c++) into[c] += this.d[p + 1 + c];
      else {
        if (this.d[p] === m && t > MONTH_START[m]) for (const member of this.members()) member.addWithinMonth(t, m, into);
        return;
      }
    }
  }

  override add(category: number, t: number): void {
    this.change(category, t, 1);
  }

  override remove(category: number, t: number): void {
    this.change(category, t, -1);
  }

  override removeLater(category: number, t: number): void {
    this.remove(category, t);
  }

  override seal(): void {}

  override subtract(): void {
    throw new Error('a roll-up bucket is changed entry by entry');
  }

  /** Its entries, from its members' buckets (the roll-up keeps counts only). */
  override sortedKeys(): Float64Array {
    const parts = [...this.members()].map((b) => b.sortedKeys());
    const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out.sort();
  }

  override visitMonthCounts(f: (month: number, counts: Uint32Array) => void): void {
    const w = 1 + this.categories;
    for (let b = 0; b < this.blocks; b++) f(this.d[b * w], this.d.subarray(b * w + 1, (b + 1) * w));
  }

  override addWithinMonth(t: number, m: number, into: Float64Array): void {
    for (const member of this.members()) member.addWithinMonth(t, m, into);
  }

  private addCounts(bucket: Bucket): void {
    bucket.visitMonthCounts((month, counts) => {
      const p = this.block(month);
      for (let c = 0; c < this.categories; c++) {
        this.d[p + 1 + c] += counts[c];
        this.n += counts[c];
      }
    });
  }

  private change(category: number, t: number, by: 1 | -1): void {
    if (!(category >= 0 && category < this.categories)) throw new RangeError(`category ${category} is beyond the ${this.categories} this bucket counts`);
    if (!isIndexableInstant(t)) throw new RangeError(`instant ${t} is out of the index's range`);
    const p = this.block(monthOf(t));
    if (by < 0 && this.d[p + 1 + category] === 0) throw new Error(`index entry ${category}@${t} not found`);
    this.d[p + 1 + category] += by;
    this.n += by;
  }

  /** The block of month m, created (all zeros) when missing. Empty months are kept: a month has few. */
  private block(m: number): number {
    const w = 1 + this.categories;
    let b = this.blocks;
    while (b > 0 && this.d[(b - 1) * w] >= m) b--;
    if (b < this.blocks && this.d[b * w] === m) return b * w;
    if ((this.blocks + 1) * w > this.d.length) {
      const bigger = new Uint32Array(Math.max(4, this.blocks * 2) * w);
      bigger.set(this.d.subarray(0, this.blocks * w));
      this.d = bigger;
    }
    this.d.copyWithin((b + 1) * w, b * w, this.blocks * w);
    this.d.fill(0, b * w, (b + 1) * w);
    this.d[b * w] = m;
    this.blocks++;
    return b * w;
  }
}
