/** The figures of a group of entries (API.md, entry-lag): pure, shared by the report and its tests. */
import type { LagRow } from './entry-lag.read-model.js';

export interface EntryLagFigures {
  events: number;
  /** Wall time, minutes (two decimals); null when there are no events. */
  medianMinutes: number | null;
  p90Minutes: number | null;
  maxMinutes: number | null;
  /** Office time, minutes. */
  medianOfficeMinutes: number | null;
  /** Recorded more than one working day after they occurred. */
  lateEntries: number;
  lateEntryShare: number | null;
}

const minutes = (ms: number) => Math.round(ms / 600) / 100;

/** Nearest-rank percentile (the smallest value with at least p of the values at or below it). */
export function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

export function entryLagFigures(rows: readonly LagRow[]): EntryLagFigures {
  const n = rows.length;
  if (n === 0) {
    return { events: 0, medianMinutes: null, p90Minutes: null, maxMinutes: null, medianOfficeMinutes: null, lateEntries: 0, lateEntryShare: null };
  }
  const wall = Float64Array.from(rows, (r) => r.lagMs).sort();
  const office = Float64Array.from(rows, (r) => r.officeMs).sort();
  const late = rows.reduce((k, r) => k + (r.late ? 1 : 0), 0);
  return {
    events: n,
    medianMinutes: minutes(percentile(wall, 0.5)),
    p90Minutes: minutes(percentile(wall, 0.9)),
    maxMinutes: minutes(wall[n - 1]),
    medianOfficeMinutes: minutes(percentile(office, 0.5)),
    lateEntries: late,
    lateEntryShare: late / n,
  };
}
