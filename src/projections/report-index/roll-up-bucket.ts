/**
 * A bucket of a roll-up (a subtree's): the count per category of each month only, the sum of its
 * members' buckets. "Before t" is the counts of the months before t's month, plus, when t falls
 * inside a month, what its members' buckets hold of that month before t. So a roll-up costs its
 * months' counts, whatever the number of dossiers, and month, quarter and year reports read it
 * alone. A report from or to an instant inside a month (every as-of report's end) walks the
 * members' buckets of that month; asked again about a month that has not changed meanwhile (a
 * past month), the roll-up gathers that month's entries from them, kept until the month changes.
 */
import { Bucket, isIndexableInstant, MONTH_START, MONTHS, monthOf } from './bucket.js';
import { offsetBefore } from './bucket-months.js';

/**
 * Asks about a month answered by walking the members before its entries are gathered. Gathering
 * costs about three walks, so a month changed
 * after every second ask (the current month, under live reports) costs at most about twice what
 * walking every time would; one asked again unchanged, a hundredth of a walk.
 */
export const GATHER_AFTER = 2;
/** Entries a roll-up bucket keeps gathered at most (16 MB; at least its latest month): the least recently asked month goes first. */
const GATHERED_ENTRIES = 2 ** 22;
/** About this many entries a bin of a gathered category holds. */
const BIN_FILL = 16;

/**
 * One category's entries of a month, gathered from the members' buckets and grouped in 2^k bins
 * of the month's offsets (a counting sort's one pass: no comparison sort), unsorted within a bin.
 * "Before x" is the entries of the bins before x's plus those of x's bin below x.
 */
export class GatheredCategory {
  private constructor(
    private readonly shift: number,
    /** Where each bin starts in `offsets` (and where the last ends). */
    private readonly starts: Uint32Array,
    private readonly offsets: Uint32Array,
  ) {}

  static of(parts: readonly Uint32Array[], size: number): GatheredCategory {
    // 1 to 16 bits of bin (a shift of 16 to 31: a shift of 32 would be one of 0 in JavaScript).
    const bits = Math.min(16, Math.max(1, Math.ceil(Math.log2(size / BIN_FILL))));
    const shift = 32 - bits;
    const starts = new Uint32Array((1 << bits) + 1);
    for (const p of parts) for (let i = 0; i < p.length; i++) starts[(p[i] >>> shift) + 1]++;
    for (let b = 1; b < starts.length; b++) starts[b] += starts[b - 1];
    const next = starts.slice(0, -1);
    const offsets = new Uint32Array(size);
    for (const p of parts) {
      for (let i = 0; i < p.length; i++) offsets[next[p[i] >>> shift]++] = p[i];
    }
    return new GatheredCategory(shift, starts, offsets);
  }

  get size(): number {
    return this.offsets.length;
  }

  /** Entries below offset x (x < 2^32). */
  countBefore(x: number): number {
    const b = x >>> this.shift;
    let n = this.starts[b];
    for (let i = this.starts[b], end = this.starts[b + 1]; i < end; i++) if (this.offsets[i] < x) n++;
    return n;
  }
}

export class RollUpBucket extends Bucket {
  /** Blocks of [month, count per category], by month. */
  private d: Uint32Array;
  private blocks = 0;
  private n = 0;
  /** Month -> the members' entries of that month by category, gathered; the least recently asked first. */
  private readonly gathered = new Map<number, GatheredCategory[]>();
  private gatheredEntries = 0;
  /** Month -> asks about it answered by walking the members since it last changed. */
  private readonly asks = new Map<number, number>();

  /** `members`: the members' buckets of the same kind, as they are when asked; `budget`: the entries kept gathered at most. */
  constructor(
    categories: number,
    private readonly members: () => Iterable<Bucket>,
    private readonly budget = GATHERED_ENTRIES,
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
        if (this.d[p] === m && t > MONTH_START[m]) this.addWithinMonth(t, m, into);
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
    let month = this.gathered.get(m);
    if (month === undefined) {
      const asked = (this.asks.get(m) ?? 0) + 1;
      if (asked < GATHER_AFTER) {
        this.asks.set(m, asked);
        for (const member of this.members()) member.addWithinMonth(t, m, into);
        return;
      }
      this.asks.delete(m);
      month = this.gather(m);
    } else this.gathered.delete(m); // set again below: the most recently asked goes last
    this.gathered.set(m, month);
    const x = offsetBefore(t, m);
    for (let c = 0; c < this.categories; c++) into[c] += month[c].countBefore(x);
  }

  /** Month m's entries of every member, by category, counted in the entries kept (older months let go to make room). */
  private gather(m: number): GatheredCategory[] {
    const parts: Uint32Array[][] = Array.from({ length: this.categories }, () => []);
    const sizes = new Array<number>(this.categories).fill(0);
    for (const member of this.members()) {
      member.visitMonth(m, (c, offsets) => {
        if (offsets.length === 0) return;
        parts[c].push(offsets);
        sizes[c] += offsets.length;
      });
    }
    const month = parts.map((list, c) => GatheredCategory.of(list, sizes[c]));
    const size = sizes.reduce((a, b) => a + b, 0);
    for (const [old] of this.gathered) {
      if (this.gatheredEntries + size <= this.budget) break;
      this.forget(old);
    }
    this.gatheredEntries += size;
    return month;
  }

  /** Lets go of month m's gathered entries, if any. */
  private forget(m: number): void {
    const month = this.gathered.get(m);
    if (month === undefined) return;
    this.gathered.delete(m);
    for (const c of month) this.gatheredEntries -= c.size;
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
    const m = monthOf(t);
    const p = this.block(m);
    if (by < 0 && this.d[p + 1 + category] === 0) throw new Error(`index entry ${category}@${t} not found`);
    this.d[p + 1 + category] += by;
    this.n += by;
    if (this.asks.size > 0) this.asks.delete(m);
    if (this.gathered.size > 0) this.forget(m);
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
