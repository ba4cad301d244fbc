/**
 * What a key limited to some units may learn of a dossier (issue 21, finding 6): a dossier none
 * of whose units the key reaches answers exactly as one that does not exist (404 NOT_FOUND, the
 * same detail), on every route and option, and before any revision, history or instant is
 * looked at. Otherwise a 412 with a revision, a 403 naming units, or a 404-then-403 boundary
 * under `asOf` tells the key whether, where and when another unit's dossier exists.
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
