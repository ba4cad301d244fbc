/**
 * The scorecard's fractions as the specification words them, from the standard report's naive
 * counts (folding each dossier's events up to an instant) and the digitised flags of the events.
 */
import type { SyntheticEvent } from '../../../bench/support/synthetic-history.js';
import type { Fraction } from '../../../src/scorecard/scorecard.js';
import type { IndicatorName } from '../../../src/targets/targets.js';
import { naiveCounts, naiveDigitized } from '../../projections/support/naive-report.js';

export function naiveFractions(dossiers: SyntheticEvent[][], units: Set<string>, from: number, end: number): Record<IndicatorName, Fraction> {
  const include = (u: string) => units.has(u);
  const c = naiveCounts(dossiers, include, from, end);
  const d = naiveDigitized(dossiers, include, from, end);
  const onTime = c.resolved.early + c.resolved.onTime;
  return {
    onTimeRate: { numerator: onTime, denominator: c.resolved.total },
    onlineShare: { numerator: c.received.online, denominator: c.received.total },
    digitizedShare: { numerator: d.receivedDigitized, denominator: c.received.total },
    resultDigitizedShare: { numerator: d.resolvedResultDigitized, denominator: c.resolved.total },
    progressIndicator: { numerator: onTime + c.inProgress.withinDue, denominator: c.resolved.total + c.inProgress.total },
  };
}

/** Rank by sorting: one plus the place of the first unit with the same value in descending order. */
export function naiveRanks(values: (number | null)[]): (number | null)[] {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => b - a);
  return values.map((v) => (v === null ? null : sorted.indexOf(v) + 1));
}

export const valueOf = (f: Fraction) => (f.denominator === 0 ? null : f.numerator / f.denominator);
