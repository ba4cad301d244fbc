/**
 * The province's targets (DOMAIN.md, "Targets and the national scoring"): one share per scorecard
 * indicator. Pure: the defaults, and what a recorded `TargetsSet` puts in force.
 */

/** The scorecard's indicators, in the order the scorecard shows them. */
export const INDICATORS = ['onTimeRate', 'onlineShare', 'digitizedShare', 'resultDigitizedShare', 'progressIndicator'] as const;
export type IndicatorName = (typeof INDICATORS)[number];

export type Targets = Record<IndicatorName, number>;

/** What PUT /targets records: the targets given, each a share from 0 to 1; the others follow the defaults. */
export type TargetsInput = Partial<Targets>;

/**
 * The province's usual targets: 98% resolved on time, 50% received online, 80% digitised. "80% of
 * dossiers and results digitised" is one figure: the results' target follows the dossiers' unless
 * set apart; the 766 progress indicator, which counts on-time work, follows the on-time rate's.
 */
export const DEFAULT_TARGETS = { onTimeRate: 0.98, onlineShare: 0.5, digitizedShare: 0.8 } as const;

/** The targets in force after `set` (undefined: never set). */
export function targetsInForce(set: TargetsInput | undefined): Targets {
  const onTimeRate = set?.onTimeRate ?? DEFAULT_TARGETS.onTimeRate;
  const digitizedShare = set?.digitizedShare ?? DEFAULT_TARGETS.digitizedShare;
  return {
    onTimeRate,
    onlineShare: set?.onlineShare ?? DEFAULT_TARGETS.onlineShare,
    digitizedShare,
    resultDigitizedShare: set?.resultDigitizedShare ?? digitizedShare,
    progressIndicator: set?.progressIndicator ?? onTimeRate,
  };
}

/** Only the indicators' fields, each a finite share in [0, 1] (a stored event is read as it is). */
export function cleanInput(input: Record<string, unknown>): TargetsInput {
  const out: TargetsInput = {};
  for (const name of INDICATORS) {
    const v = input[name];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1) out[name] = v;
  }
  return out;
}
