/**
 * The merged aggregates of a set of units over one day, month or part-day, kept between reports: a
 * province report merges a few hundred units' rows per slice, and past slices rarely change. An
 * entry is dropped when a batch touches its day or month (any unit: a key holds its unit list, so a
 * changed unit tree asks for another entry). In memory, per read-model handle (a rebuild opens a
 * new one); bounded by clearing when full.
 */
import { type LagSummary, SummaryBuilder } from './lag-histogram.js';
import type { Slice } from './periods.js';

const MAX_ENTRIES = 5000;
/** The key of the summary over every event type. */
export const ALL_TYPES = '*';

interface Entry {
  /** The batch count when it was computed. */
  at: number;
  byType: ReadonlyMap<string, LagSummary>;
  /** Every type merged, made at its first use (the report by child or whole reads that alone). */
  all?: LagSummary;
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

  /**
   * Adds the slice's summaries of these units to `out` (per type, or one under ALL_TYPES), computed
   * by `compute` unless cached and untouched since.
   */
  merge(out: Map<string, LagSummary[]>, slice: Slice, unitIds: readonly string[], byType: boolean, compute: () => ReadonlyMap<string, LagSummary>): void {
    const touchKey = slice.kind === 'month' ? `month${slice.n}` : `day${slice.n}`;
    const key = `${slice.kind}${slice.n}:${slice.kind === 'part' ? `${slice.from}-${slice.end}` : ''}|${unitIds.join(',')}`;
    let entry = this.entries.get(key);
    if (entry === undefined || entry.at < (this.lastTouched.get(touchKey) ?? 0)) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      entry = { at: this.batches, byType: compute() };
      this.entries.set(key, entry);
    }
    if (byType) {
      for (const [type, s] of entry.byType) push(out, type, s);
    } else {
      if (entry.all === undefined) {
        const all = new SummaryBuilder();
        for (const s of entry.byType.values()) all.summary(s);
        entry.all = all.done();
      }
      if (entry.all.events > 0) push(out, ALL_TYPES, entry.all);
    }
  }
}

function push(out: Map<string, LagSummary[]>, type: string, s: LagSummary): void {
  const list = out.get(type);
  if (list) list.push(s);
  else out.set(type, [s]);
}
