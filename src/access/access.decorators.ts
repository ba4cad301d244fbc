/**
 * Route metadata the access guard enforces besides @Roles and @Public (see access.guard.ts).
 */
import { SetMetadata } from '@nestjs/common';
import type { Role } from './principal.js';

export const QUERY_ROLES_KEY = 'access:query-roles';
/**
 * Narrows the roles of a route when a query parameter is present, e.g. the as-of views:
 * `@Roles('supervisor') @QueryRoles('asOf', 'auditor')` on GET /dossiers/:id.
 */
export const QueryRoles = (parameter: string, ...roles: Role[]) => SetMetadata(QUERY_ROLES_KEY, { parameter, roles });
export interface QueryRolesMetadata {
  parameter: string;
  roles: Role[];
}

export const UNIT_SCOPED_KEY = 'access:unit-scoped';
/** Where a route names the unit it reads or writes; the guard checks the key reaches it (403 otherwise). */
export type UnitSource = { param: string } | { query: string } | { body: string };
/**
 * The guard checks that the key's units reach the unit named by a path parameter, query parameter
 * or body field (when present; an absent query parameter means "all the key reaches", and the
 * handler narrows with UnitScope.readableRoots).
 */
export const UnitScoped = (source: UnitSource) => SetMetadata(UNIT_SCOPED_KEY, source);

export const ALL_UNITS_KEY = 'access:all-units';
/** The route acts on all units at once (reference data): keys limited to some units get 403. */
export const AllUnits = () => SetMetadata(ALL_UNITS_KEY, true);
