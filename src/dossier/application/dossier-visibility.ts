/**
 * A dossier none of whose units a key reaches answers exactly as a missing one (404, same detail), before any
 * revision, history or instant is looked at: else a 412, a 403 or an as-of boundary tells whether, where and when it exists.
 */
import type { Principal } from '../../access/principal.js';
import type { UnitScope } from '../../access/unit-scope.js';
import { AppError } from '../../common/errors.js';
import type { DossierState, ExistingDossier } from '../domain/state.js';

/** The one answer for a dossier that does not exist, or that the key may not know of. */
export function dossierNotFound(dossierId: string, asOf?: string): AppError {
  return new AppError('NOT_FOUND', `dossier ${dossierId} was not found${asOf !== undefined ? ` as of ${asOf}` : ''}`);
}

/** Every unit a dossier was received by, handled at, or is held by now. */
export function unitsOf(state: ExistingDossier): string[] {
  return [state.unitId, state.currentUnitId, ...state.steps.map((s) => s.unitId)];
}

/**
 * Reads: the dossier when the key reaches any of its units, decided on its whole current history
 * (also for as-of views, so that the answer does not depend on the instant asked about).
 */
export function requireVisible(scope: UnitScope, who: Principal, dossierId: string, state: DossierState, asOf?: string): ExistingDossier {
  if (state.status === 'none' || !scope.coversAny(who, unitsOf(state))) throw dossierNotFound(dossierId, asOf);
  return state;
}
