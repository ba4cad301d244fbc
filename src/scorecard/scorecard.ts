/**
 * The scorecard (DOMAIN.md, "Targets and the national scoring"): per unit and period, five shares
 * against their targets, and each unit's rank among its siblings. Pure, over the report index: the
 * standard report's counts (timeliness-report.ts) and the two digitised categories.
 */
import { type Bucket, D, DOSSIER_CATEGORIES, type TimelinessIndex, type UnitTree } from '../projections/report-index/timeliness-index.js';
import { type Correction, countsOf, isEmptyCounts, type ReportWindow, type Scope, type Tally, tally } from '../projections/report-index/timeliness-report.js';
import { INDICATORS, type IndicatorName, type Targets } from '../targets/targets.js';

/** How each figure is computed, stated with the figures (vendors differ, notably on 766's). */
export const FORMULAS: Record<IndicatorName, string> = {
  onTimeRate: '(resolved early + resolved on time) / resolved, over [from, E)',
  onlineShare: 'received online / received, over [from, E)',
  digitizedShare: 'received as a digitised dossier / received, over [from, E)',
  resultDigitizedShare: 'resolved with the result digitised / resolved, over [from, E)',
  progressIndicator:
    'Decision 766/QĐ-TTg progress: (resolved early or on time over [from, E) + in progress within due at E) / (resolved over [from, E) + in progress at E); awaiting a supplement counts as within due',
};

export interface Fraction {
  numerator: number;
  denominator: number;
}

export interface IndicatorFigure extends Fraction {
  /** numerator / denominator; null when nothing was counted (denominator 0). */
  value: number | null;
  target: number;
  /** value >= target; null when there is no value. */
  met: boolean | null;
  /** 1 for the best value among the ranked units; equal values share a rank (1, 1, 3); null when not ranked. */
  rank: number | null;
}

export type ScorecardRow = { key: string } & Record<IndicatorName, IndicatorFigure>;

export type ScorecardGroupBy = 'none' | 'child';

export interface ScorecardQuery extends ReportWindow {
  unitId: string;
  scope: Scope;
  groupBy: ScorecardGroupBy;
  /** groupBy none: the units the unit is ranked among (its parent's children, itself included). */
  siblings: readonly string[];
}

export interface ScorecardRows {
  rows: ScorecardRow[];
  /** The units ranked: the children (groupBy child) or the unit's siblings and itself (none). */
  rankedAmong: string[];
}

/** The five fractions over the dossiers of some buckets (less an as-of correction's). */
export function scorecardFractions(buckets: readonly Bucket[], window: ReportWindow, less?: Tally): Record<IndicatorName, Fraction> & { empty: boolean } {
  const { atFrom, atEnd } = tally(buckets, DOSSIER_CATEGORIES, window, less);
  const c = countsOf(atFrom, atEnd);
  const between = (category: number) => atEnd[category] - atFrom[category];
  const onTime = c.resolved.early + c.resolved.onTime;
  return {
    empty: isEmptyCounts(c),
    onTimeRate: { numerator: onTime, denominator: c.resolved.total },
    onlineShare: { numerator: c.received.online, denominator: c.received.total },
    digitizedShare: { numerator: between(D.RECEIVED_DIGITIZED), denominator: c.received.total },
    resultDigitizedShare: { numerator: between(D.RESOLVED_RESULT_DIGITIZED), denominator: c.resolved.total },
    progressIndicator: { numerator: onTime + c.inProgress.withinDue, denominator: c.resolved.total + c.inProgress.total },
  };
}

/**
 * Competition ranks of some fractions, best (highest) first: equal values share the best rank and
 * the next one skips (1, 1, 3); a fraction without a value (denominator 0) has none. Compared by
 * cross-multiplication: products of counts, exact integers.
 */
export function ranks(fractions: readonly Fraction[]): (number | null)[] {
  const better = (a: Fraction, b: Fraction) => a.numerator * b.denominator > b.numerator * a.denominator;
  return fractions.map((f) => {
    if (f.denominator === 0) return null;
    return 1 + fractions.filter((g) => g.denominator > 0 && better(g, f)).length;
  });
}

const figure = (f: Fraction, target: number, rank: number | null): IndicatorFigure => {
  const value = f.denominator === 0 ? null : f.numerator / f.denominator;
  return { numerator: f.numerator, denominator: f.denominator, value, target, met: value === null ? null : value >= target, rank };
};

/**
 * The scorecard rows. groupBy none: one row for the unit (scope self: its own dossiers; subtree:
 * with everything below), ranked among `siblings` taken the same way. child: a row per direct
 * child, ranked among themselves, preceded (unranked) by the unit's own dossiers when it has any,
 * as the standard report's groupBy=child does.
 */
export function scorecardRows(index: TimelinessIndex, tree: UnitTree, targets: Targets, q: ScorecardQuery, correction?: Correction): ScorecardRows {
  const units = (unitId: string, scope: Scope) => (scope === 'self' ? [unitId] : tree.subtree(unitId));
  const fractionsOf = (unitId: string, scope: Scope) =>
    scorecardFractions(index.cover(tree, unitId, scope).map((p) => p.all), q, correction?.tally(units(unitId, scope), 'all'));
  const ranked = q.groupBy === 'child' ? [...tree.children(q.unitId)].sort() : [...new Set([...q.siblings, q.unitId])].sort();
  const cards = ranked.map((u) => fractionsOf(u, q.scope));
  const rankBy = new Map(INDICATORS.map((name) => [name, ranks(cards.map((c) => c[name]))]));
  const row = (key: string, fractions: Record<IndicatorName, Fraction>, at: number | undefined): ScorecardRow => {
    const out = { key } as ScorecardRow;
    for (const name of INDICATORS) out[name] = figure(fractions[name], targets[name], at === undefined ? null : rankBy.get(name)![at]);
    return out;
  };
  if (q.groupBy === 'none') {
    const at = ranked.indexOf(q.unitId);
    return { rows: [row(q.unitId, cards[at], at)], rankedAmong: ranked };
  }
  const own = fractionsOf(q.unitId, 'self');
  const rows = own.empty ? [] : [row(q.unitId, own, undefined)];
  ranked.forEach((child, i) => rows.push(row(child, cards[i], i)));
  return { rows, rankedAmong: ranked };
}
