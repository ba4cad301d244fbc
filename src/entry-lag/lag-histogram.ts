/**
 * Lags as counts in log buckets (DDSketch's mapping): a bucket spans a ratio GAMMA, and a
 * percentile read from the buckets is within RELATIVE_ACCURACY of the nearest-rank value of the
 * exact lags (bucketing keeps the order, so the rank-k lag lies in the bucket the count reaches k
 * in). Lags under a second share bucket 0 and read as 0. Counts, late entries and the maximum are
 * kept exactly beside the buckets. Pure: the read model stores these, the report merges them.
 */

/** What a median or p90 may be off by, relative (and lags under MIN_MS read as 0). */
export const RELATIVE_ACCURACY = 0.005;
export const MIN_MS = 1000;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
/** Bucket indexes are stored as 16 bits: past this (about 10^28 years) everything shares the last. */
const LAST_BUCKET = 0xffff;

export function bucketOf(ms: number): number {
  if (ms < MIN_MS) return 0;
  return Math.min(LAST_BUCKET, 1 + Math.floor(Math.log(ms / MIN_MS) / LN_GAMMA));
}

/** The value a bucket stands for: within RELATIVE_ACCURACY of every lag it holds. */
export function valueOf(bucket: number): number {
  return bucket === 0 ? 0 : MIN_MS * GAMMA ** (bucket - 1) * (2 * GAMMA / (GAMMA + 1));
}

/** Counts per bucket, sparse: as stored (a blob) and as cached. */
export interface Sparse {
  buckets: Uint16Array;
  counts: Uint32Array;
}

/** The figures of a set of entries that merge: count, late count, extremes, and the two histograms. */
export interface LagSummary {
  events: number;
  late: number;
  /** Exact extremes, wall and office: a percentile never reads outside them (so one entry reads exactly). */
  minMs: number;
  maxMs: number;
  officeMinMs: number;
  officeMaxMs: number;
  wall: Sparse;
  office: Sparse;
}

/** A summary being added to, entry by entry or summary by summary. */
export class SummaryBuilder {
  events = 0;
  late = 0;
  minMs = Infinity;
  maxMs = 0;
  officeMinMs = Infinity;
  officeMaxMs = 0;
  readonly wall = new Counts();
  readonly office = new Counts();

  entry(lagMs: number, officeMs: number, late: number): void {
    this.events++;
    this.late += late;
    this.minMs = Math.min(this.minMs, lagMs);
    this.maxMs = Math.max(this.maxMs, lagMs);
    this.officeMinMs = Math.min(this.officeMinMs, officeMs);
    this.officeMaxMs = Math.max(this.officeMaxMs, officeMs);
    this.wall.add(bucketOf(lagMs), 1);
    this.office.add(bucketOf(officeMs), 1);
  }

  summary(s: LagSummary): void {
    if (s.events === 0) return;
    this.events += s.events;
    this.late += s.late;
    this.minMs = Math.min(this.minMs, s.minMs);
    this.maxMs = Math.max(this.maxMs, s.maxMs);
    this.officeMinMs = Math.min(this.officeMinMs, s.officeMinMs);
    this.officeMaxMs = Math.max(this.officeMaxMs, s.officeMaxMs);
    this.wall.addSparse(s.wall);
    this.office.addSparse(s.office);
  }

  done(): LagSummary {
    const { events, late, minMs, maxMs, officeMinMs, officeMaxMs } = this;
    return { events, late, minMs, maxMs, officeMinMs, officeMaxMs, wall: this.wall.sparse(), office: this.office.sparse() };
  }
}

/** The summary of a handful of entries at once: their buckets sorted, no dense window (what a day of one unit and type holds). */
export function summaryOfEntries(lags: readonly number[], offices: readonly number[], late: number): LagSummary {
  let [minMs, maxMs, officeMinMs, officeMaxMs] = [Infinity, 0, Infinity, 0];
  for (let i = 0; i < lags.length; i++) {
    minMs = Math.min(minMs, lags[i]);
    maxMs = Math.max(maxMs, lags[i]);
    officeMinMs = Math.min(officeMinMs, offices[i]);
    officeMaxMs = Math.max(officeMaxMs, offices[i]);
  }
  return { events: lags.length, late, minMs, maxMs, officeMinMs, officeMaxMs, wall: sparseOf(lags), office: sparseOf(offices) };
}

/** Summaries merged at once: the histograms' (bucket, count) pairs sorted together, no dense window. */
export function mergeSummaries(parts: readonly LagSummary[]): LagSummary {
  if (parts.length === 1) return parts[0];
  let [events, late, minMs, maxMs, officeMinMs, officeMaxMs] = [0, 0, Infinity, 0, Infinity, 0];
  for (const s of parts) {
    events += s.events;
    late += s.late;
    minMs = Math.min(minMs, s.minMs);
    maxMs = Math.max(maxMs, s.maxMs);
    officeMinMs = Math.min(officeMinMs, s.officeMinMs);
    officeMaxMs = Math.max(officeMaxMs, s.officeMaxMs);
  }
  return { events, late, minMs, maxMs, officeMinMs, officeMaxMs, wall: mergeAll(parts.map((s) => s.wall)), office: mergeAll(parts.map((s) => s.office)) };
}

const PAIR = 2 ** 32; // a pair packed as bucket * PAIR + count: exact in a double (16 + 32 bits)

function mergeAll(parts: readonly Sparse[]): Sparse {
  // Two at a time (a month summed day by day): one pass, no sort.
  if (parts.length === 2) return mergeSparse(parts[0], parts[1]);
  let n = 0;
  for (const p of parts) n += p.buckets.length;
  const packed = new Float64Array(n);
  let k = 0;
  for (const { buckets, counts } of parts) for (let i = 0; i < buckets.length; i++) packed[k++] = buckets[i] * PAIR + counts[i];
  packed.sort();
  const buckets = new Uint16Array(n);
  const counts = new Uint32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const bucket = Math.floor(packed[i] / PAIR);
    const count = packed[i] - bucket * PAIR;
    if (m > 0 && buckets[m - 1] === bucket) counts[m - 1] += count;
    else (buckets[m] = bucket), (counts[m++] = count);
  }
  return { buckets: buckets.subarray(0, m), counts: counts.subarray(0, m) };
}

function sparseOf(values: readonly number[]): Sparse {
  const sorted = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) sorted[i] = bucketOf(values[i]);
  sorted.sort();
  const buckets = new Uint16Array(sorted.length);
  const counts = new Uint32Array(sorted.length);
  let n = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (n > 0 && buckets[n - 1] === sorted[i]) counts[n - 1]++;
    else (buckets[n] = sorted[i]), (counts[n++] = 1);
  }
  return { buckets: buckets.subarray(0, n), counts: counts.subarray(0, n) };
}

/** Blob layout: n counts (u32), then n bucket indexes (u16), in the platform's byte order (little-endian: x86, ARM). */
export function encode(s: Sparse): Buffer {
  const n = s.buckets.length;
  const b = Buffer.allocUnsafe(n * 6);
  b.set(new Uint8Array(s.counts.buffer, s.counts.byteOffset, n * 4), 0);
  b.set(new Uint8Array(s.buckets.buffer, s.buckets.byteOffset, n * 2), n * 4);
  return b;
}

/** Views on the blob, or copies when its offset is not aligned. */
export function decode(b: Buffer): Sparse {
  const n = b.length / 6;
  const at = b.byteOffset;
  if (at % 4 === 0) return { counts: new Uint32Array(b.buffer, at, n), buckets: new Uint16Array(b.buffer, at + n * 4, n) };
  return { counts: new Uint32Array(b.buffer.slice(at, at + n * 4)), buckets: new Uint16Array(b.buffer.slice(at + n * 4, at + n * 6)) };
}

/** Two sparse histograms added (both ascending by bucket). */
export function mergeSparse(a: Sparse, b: Sparse): Sparse {
  const buckets = new Uint16Array(a.buckets.length + b.buckets.length);
  const counts = new Uint32Array(buckets.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.buckets.length || j < b.buckets.length) {
    const x = i < a.buckets.length ? a.buckets[i] : Infinity;
    const y = j < b.buckets.length ? b.buckets[j] : Infinity;
    buckets[n] = Math.min(x, y);
    counts[n++] = (x <= y ? a.counts[i++] : 0) + (y <= x ? b.counts[j++] : 0);
  }
  return { buckets: buckets.subarray(0, n), counts: counts.subarray(0, n) };
}

/** A histogram being added to: counts by bucket, dense over the buckets seen so far (a window grown as they come). */
export class Counts {
  private dense = new Float64Array(0);
  /** The bucket dense[0] counts; the lowest and highest bucket with a count. */
  private lo = 0;
  private min = Infinity;
  private max = -1;

  add(bucket: number, count: number): void {
    this.cover(bucket, bucket);
    this.dense[bucket - this.lo] += count;
  }

  addSparse(s: Sparse): void {
    const { buckets, counts } = s;
    if (buckets.length === 0) return;
    this.cover(buckets[0], buckets[buckets.length - 1]);
    const { dense, lo } = this;
    for (let i = 0; i < buckets.length; i++) dense[buckets[i] - lo] += counts[i];
  }

  sparse(): Sparse {
    const { dense, lo } = this;
    let n = 0;
    for (let k = this.min; k <= this.max; k++) if (dense[k - lo] > 0) n++;
    const buckets = new Uint16Array(n);
    const counts = new Uint32Array(n);
    for (let k = this.min, i = 0; k <= this.max; k++) {
      if (dense[k - lo] > 0) {
        buckets[i] = k;
        counts[i++] = dense[k - lo];
      }
    }
    return { buckets, counts };
  }

  /** Grows the window to hold buckets first..last (ascending). */
  private cover(first: number, last: number): void {
    const min = Math.min(this.min, first);
    const max = Math.max(this.max, last);
    if (min < this.lo || max >= this.lo + this.dense.length) {
      const empty = this.dense.length === 0;
      const lo = empty ? min : Math.min(this.lo, min);
      const grown = new Float64Array(Math.max(max + 1 - lo, this.lo + this.dense.length - lo, this.dense.length * 2, 8));
      if (!empty) grown.set(this.dense, this.lo - lo);
      this.dense = grown;
      this.lo = lo;
    }
    this.min = min;
    this.max = max;
  }
}

/** Summaries merged as they come, then read once. */
export class SummaryMerge {
  events = 0;
  late = 0;
  maxMs = 0;
  private readonly bounds = { wall: [Infinity, 0], office: [Infinity, 0] };
  private readonly parts: LagSummary[] = [];

  add(s: LagSummary): void {
    if (s.events === 0) return;
    this.events += s.events;
    this.late += s.late;
    this.maxMs = Math.max(this.maxMs, s.maxMs);
    this.bounds.wall = [Math.min(this.bounds.wall[0], s.minMs), this.maxMs];
    this.bounds.office = [Math.min(this.bounds.office[0], s.officeMinMs), Math.max(this.bounds.office[1], s.officeMaxMs)];
    this.parts.push(s);
  }

  /** Nearest-rank percentiles (p in (0, 1]) of the wall or office histograms, in ms, within the exact extremes. */
  percentiles(which: 'wall' | 'office', ps: readonly number[]): number[] {
    const [min, max] = this.bounds[which];
    let top = 0;
    for (const s of this.parts) {
      const b = s[which].buckets;
      if (b.length > 0) top = Math.max(top, b[b.length - 1]);
    }
    const dense = new Float64Array(top + 1);
    for (const s of this.parts) {
      const { buckets, counts } = s[which];
      for (let i = 0; i < buckets.length; i++) dense[buckets[i]] += counts[i];
    }
    return ps.map((p) => {
      const rank = Math.max(1, Math.ceil(p * this.events));
      let seen = 0;
      for (let k = 0; k <= top; k++) {
        seen += dense[k];
        if (seen >= rank) return Math.min(Math.max(valueOf(k), min), max);
      }
      return max;
    });
  }
}
