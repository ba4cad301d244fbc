/** The figures of a group of entries (API.md, entry-lag): pure, shared by the report and its tests. */
import { type LagSummary, SummaryMerge } from './lag-histogram.js';

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

export const minutes = (ms: number) => Math.round(ms / 600) / 100;

/** The figures of the merged parts: counts, late entries and max exact; median and p90 to the histograms' accuracy. */
export function entryLagFigures(parts: Iterable<LagSummary>): EntryLagFigures {
  const merge = new SummaryMerge();
  for (const s of parts) merge.add(s);
  const n = merge.events;
  if (n === 0) {
    return { events: 0, medianMinutes: null, p90Minutes: null, maxMinutes: null, medianOfficeMinutes: null, lateEntries: 0, lateEntryShare: null };
  }
  const [median, p90] = merge.percentiles('wall', [0.5, 0.9]);
  const [officeMedian] = merge.percentiles('office', [0.5]);
  return {
    events: n,
    medianMinutes: minutes(median),
    p90Minutes: minutes(p90),
    maxMinutes: minutes(merge.maxMs),
    medianOfficeMinutes: minutes(officeMedian),
    lateEntries: merge.late,
    lateEntryShare: merge.late / n,
  };
}
