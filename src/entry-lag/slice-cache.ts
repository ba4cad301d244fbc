/**
 * The merged aggregates of a set of units over one day or month, kept between reports: a province
 * report merges a few hundred units' rows per slice, and past slices rarely change. An entry is
 * dropped when a batch touches its slice (any unit: a slice's key holds its unit list, so a
 * changed unit tree asks for another entry). In memory, per read-model handle (a rebuild opens a
 * new one); bounded by clearing when full.
 */
import type { LagSummary } from './lag-histogram.js';
import type { Slice } from './periods.js';

const MAX_ENTRIES = 5000;

interface Entry {
  /** The batch count when it was computed. */
  at: number;
  byType: ReadonlyMap<string, LagSummary>;
}

export class SliceCache {
  private batches = 0;
  private readonly lastTouched = new Map<string, number>();
  private readonly entries = new Map<string, Entry>();

  /** A batch wrote to these days and months. */
  touched(days: readonly number[], months: readonly number[]): void {
    this.batches++;
    for (const d of days) this.lastTouched.set(`day${d}`, this.batches);
    for (const m of months) this.lastTouched.set(`month${m}`, this.batches);
  }

  /** Adds the slice's summaries of these units to `out`, computed by `compute` unless cached and untouched since. */
  merge(out: Map<string, LagSummary[]>, slice: Slice, unitIds: readonly string[], compute: () => ReadonlyMap<string, LagSummary>): void {
    const sliceKey = `${slice.kind}${slice.n}`;
    const key = `${sliceKey}|${unitIds.join(',')}`;
    let entry = this.entries.get(key);
    if (entry === undefined || entry.at < (this.lastTouched.get(sliceKey) ?? 0)) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      entry = { at: this.batches, byType: compute() };
      this.entries.set(key, entry);
    }
    for (const [type, s] of entry.byType) {
      const list = out.get(type);
      if (list) list.push(s);
      else out.set(type, [s]);
    }
  }
}
