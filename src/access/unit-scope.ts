/**
 * Unit scope: a key with `units` reaches those units and every unit below them in the unit tree,
 * nothing else; a key without `units` reaches all units. The scope narrows every role alike
 * (a district's auditor key reads that district only), so an operator who writes `units` on a key
 * never gets a key wider than written.
 *
 * The role is the guard's business (see AccessGuard); these checks are about units only. Handlers
 * call them where the unit is known only to them (the unit a dossier sits in, the body of a command).
 */
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AppError } from '../common/errors.js';
import type { Principal } from './principal.js';

/** What the scope needs of the catalog: ancestry in the unit tree. */
export interface UnitTree {
  /** True when `unitId` is `ancestorId` or lies anywhere below it. Unknown ids are within nothing. */
  isWithin(unitId: string, ancestorId: string): boolean;
}

/** Injection token for the unit tree (bound to the catalog). */
export const UNIT_TREE = Symbol('UNIT_TREE');

@Injectable()
export class UnitScope {
  private warned = false;

  constructor(@Optional() @Inject(UNIT_TREE) private readonly tree?: UnitTree) {}

  /** The units the principal reaches (with everything below them), or undefined for all units. */
  readableRoots(principal: Principal): string[] | undefined {
    return principal.units;
  }

  /** Whether the principal reaches the unit. */
  covers(principal: Principal, unitId: string): boolean {
    const roots = principal.units;
    if (roots === undefined) return true;
    let within = false;
    for (const root of roots) within = within || root === unitId || this.isWithin(unitId, root);
    return within;
  }

  /** Commands: the unit the command acts in (the dossier's current unit, a new dossier's unit). */
  assertCanWrite(principal: Principal, unitId: string): void {
    if (!this.covers(principal, unitId)) throw outside(principal, unitId);
  }

  /** Reads of one unit's data (a report, a stream). */
  assertCanRead(principal: Principal, unitId: string): void {
    if (!this.covers(principal, unitId)) throw outside(principal, unitId);
  }

  /** Whether any of the units (a dossier's: where it was received, handled, is now) is reached. */
  coversAny(principal: Principal, unitIds: Iterable<string | undefined>): boolean {
    if (principal.units === undefined) return true;
    for (const u of unitIds) if (typeof u === 'string' && this.covers(principal, u)) return true;
    return false;
  }

  /**
   * Reads of a dossier: allowed when any of its units is reached. The refusal names no unit: the
   * dossier's units are not the key's business (handlers of dossiers answer 404 instead, see
   * src/dossier/application/dossier-visibility.ts).
   */
  assertCanReadAny(principal: Principal, unitIds: Iterable<string | undefined>): void {
    if (!this.coversAny(principal, unitIds)) throw new AppError('FORBIDDEN', 'none of these units is within the units of this key');
  }

  /** Acts on all units at once (reference data, the calendar): only a key without `units`. */
  assertAllUnits(principal: Principal): void {
    if (principal.units !== undefined) {
      throw new AppError('FORBIDDEN', 'this applies to all units; it needs a key that is not limited to some units');
    }
  }

  private isWithin(unitId: string, ancestorId: string): boolean {
    if (!this.tree) {
      if (!this.warned) new Logger('Access').warn('no unit tree is bound to UNIT_TREE: unit scopes reach their own units only');
      this.warned = true;
      return false;
    }
    return this.tree.isWithin(unitId, ancestorId);
  }
}

function outside(principal: Principal, unitId: string): AppError {
  return new AppError('FORBIDDEN', `unit ${unitId} is outside the units of this key (${principal.units?.join(', ')})`);
}
