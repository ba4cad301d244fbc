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
  readonly wall: Counts = new Map();
  readonly office: Counts = new Map();

  entry(lagMs: number, officeMs: number, late: number): void {
    this.events++;
    this.late += late;
    this.minMs = Math.min(this.minMs, lagMs);
    this.maxMs = Math.max(this.maxMs, lagMs);
    this.officeMinMs = Math.min(this.officeMinMs, officeMs);
    this.officeMaxMs = Math.max(this.officeMaxMs, officeMs);
    const w = bucketOf(lagMs);
    const o = bucketOf(officeMs);
    this.wall.set(w, (this.wall.get(w) ?? 0) + 1);
    this.office.set(o, (this.office.get(o) ?? 0) + 1);
  }

  summary(s: LagSummary): void {
    if (s.events === 0) return;
    this.events += s.events;
    this.late += s.late;
    this.minMs = Math.min(this.minMs, s.minMs);
    this.maxMs = Math.max(this.maxMs, s.maxMs);
    this.officeMinMs = Math.min(this.officeMinMs, s.officeMinMs);
    this.officeMaxMs = Math.max(this.officeMaxMs, s.officeMaxMs);
    addTo(this.wall, s.wall);
    addTo(this.office, s.office);
  }

  done(): LagSummary {
    const { events, late, minMs, maxMs, officeMinMs, officeMaxMs } = this;
    return { events, late, minMs, maxMs, officeMinMs, officeMaxMs, wall: sparseOf(this.wall), office: sparseOf(this.office) };
  }
}

/** Blob layout: n, then n bucket indexes (u16), then n counts (u32), little-endian. */
export function encode(s: Sparse): Buffer {
  const n = s.buckets.length;
  const b = Buffer.allocUnsafe(4 + n * 6);
  b.writeUInt32LE(n, 0);
  for (let i = 0; i < n; i++) {
    b.writeUInt16LE(s.buckets[i], 4 + i * 2);
    b.writeUInt32LE(s.counts[i], 4 + n * 2 + i * 4);
  }
  return b;
}

export function decode(b: Buffer): Sparse {
  const n = b.readUInt32LE(0);
  const buckets = new Uint16Array(n);
  const counts = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    buckets[i] = b.readUInt16LE(4 + i * 2);
    counts[i] = b.readUInt32LE(4 + n * 2 + i * 4);
  }
  return { buckets, counts };
}

/** A histogram being added to: bucket -> count. */
export type Counts = Map<number, number>;

export function addTo(counts: Counts, s: Sparse): void {
  for (let i = 0; i < s.buckets.length; i++) counts.set(s.buckets[i], (counts.get(s.buckets[i]) ?? 0) + s.counts[i]);
}

export function sparseOf(counts: Counts): Sparse {
  const keys = [...counts.keys()].sort((a, b) => a - b);
  return { buckets: Uint16Array.from(keys), counts: Uint32Array.from(keys, (k) => counts.get(k)!) };
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
