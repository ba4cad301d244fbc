/** The OpenAPI example of a scorecard answer (a department's two offices, grouped by child). */
import { FORMULAS } from './scorecard.js';
import type { ScorecardReport } from './scorecard-queries.js';

const f = (numerator: number, denominator: number, target: number, rank: number | null) => {
  const value = denominator === 0 ? null : numerator / denominator;
  return { numerator, denominator, value, target, met: value === null ? null : value >= target, rank };
};

const TARGETS = { onTimeRate: 0.98, onlineShare: 0.5, digitizedShare: 0.8, resultDigitizedShare: 0.8, progressIndicator: 0.98 };

export const SCORECARD: ScorecardReport = {
  unitId: 'STP',
  from: '2026-11-30T17:00:00.000Z',
  to: '2026-12-04T17:00:00.000Z',
  evaluatedAt: '2026-12-04T17:00:00.000Z',
  scope: 'subtree',
  groupBy: 'child',
  position: 74,
  targets: TARGETS,
  formulas: FORMULAS,
  rankedAmong: ['STP-HCTP', 'STP-LLTP'],
  rows: [
    { key: 'STP-HCTP', onTimeRate: f(49, 50, 0.98, 1), onlineShare: f(30, 60, 0.5, 2), digitizedShare: f(54, 60, 0.8, 1), resultDigitizedShare: f(40, 50, 0.8, 1), progressIndicator: f(57, 58, 0.98, 1) },
    { key: 'STP-LLTP', onTimeRate: f(18, 20, 0.98, 2), onlineShare: f(20, 25, 0.5, 1), digitizedShare: f(15, 25, 0.8, 2), resultDigitizedShare: f(10, 20, 0.8, 2), progressIndicator: f(22, 26, 0.98, 2) },
  ],
};
