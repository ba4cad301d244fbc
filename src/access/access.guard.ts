/**
 * The one global guard: every route needs `Authorization: Bearer <key>` unless marked @Public.
 *
 * Decision order: key, in Fastify's onRequest hook before the body is read (Authenticator: a
 * valid key within its rate, else 429 for an address that failed too often, else 401) -> role
 * (403) -> unit scope (403). Roles:
 * - a route names its roles with @Roles; a route without @Roles is for admin keys only (deny by
 *   default: a new route is closed until someone opens it);
 * - admin-only routes (reference data) and routes marked @AllUnits need a key without `units`;
 * - @UnitScoped routes name their unit in the path, query or body and the key must reach it;
 * - reading is inherited upwards: an auditor may call whatever a supervisor may, an admin whatever a
 *   supervisor or an auditor may. Commands are not inherited: @Roles('integrator') means integrators
 *   only, so that no one but the integrating systems writes dossier history.
 */
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError, validationFailed } from '../common/errors.js';
import { ALL_UNITS_KEY, QUERY_ROLES_KEY, type QueryRolesMetadata, UNIT_SCOPED_KEY, type UnitSource } from './access.decorators.js';
import { type AuthenticatedRequest, Authenticator } from './authenticator.js';
import { type Principal, type Role, ROLES_KEY } from './principal.js';
import { IS_PUBLIC } from './public.decorator.js';
import { UnitScope } from './unit-scope.js';

/** The roles allowed on a route once reading is inherited upwards. */
export function effectiveRoles(declared: readonly Role[]): Set<Role> {
  const roles = new Set<Role>(declared);
  if (roles.has('supervisor')) roles.add('auditor');
  if (roles.has('supervisor') || roles.has('auditor')) roles.add('admin');
  return roles;
}

type GuardedRequest = AuthenticatedRequest;

/** What the decorators of one route ask of the guard, read once (route metadata never changes at run time). */
interface RoutePolicy {
  isPublic: boolean;
  allowed: ReadonlySet<Role>;
  queryRoles?: { parameter: string; allowed: ReadonlySet<Role>; detail: string };
  /** Admin-only routes and @AllUnits ones: keys limited to some units may not call them. */
  allUnits: boolean;
  unitSource?: UnitSource;
}

@Injectable()
export class AccessGuard implements CanActivate {
  /** Policies by handler, then by controller class (a handler may be inherited by several). */
  private readonly policies = new WeakMap<Function, Map<Function, RoutePolicy>>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    private readonly scope: UnitScope,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const policy = this.policyOf(context.getHandler(), context.getClass());
    if (policy.isPublic) return true;

    const request = context.switchToHttp().getRequest<GuardedRequest>();
    // Set by the onRequest hook; authenticated here only where the hook did not run.
    const principal = request.principal ?? this.authenticator.authenticate(request);
    request.principal = principal;

    if (!policy.allowed.has(principal.role)) throw forbiddenRole(principal, request);
    const queryRoles = policy.queryRoles;
    if (queryRoles && present(queryParam(request, queryRoles.parameter)) && !queryRoles.allowed.has(principal.role)) {
      throw new AppError('FORBIDDEN', queryRoles.detail);
    }

    if (policy.allUnits) this.scope.assertAllUnits(principal);
    const source = policy.unitSource;
    if (source) {
      const unitId = unitFrom(request, source);
      // Absent: the handler narrows to the key's units (lists), or validation answers 400 (bodies).
      if (present(unitId)) {
        if (typeof unitId !== 'string') throw validationFailed([{ field: sourceName(source), message: 'must be one unit id' }]);
        if (principal.role === 'integrator') this.scope.assertCanWrite(principal, unitId);
        else this.scope.assertCanRead(principal, unitId);
      }
    }
    return true;
  }

  private policyOf(handler: Function, controller: Function): RoutePolicy {
    let byClass = this.policies.get(handler);
    if (!byClass) this.policies.set(handler, (byClass = new Map()));
    let policy = byClass.get(controller);
    if (!policy) byClass.set(controller, (policy = this.readPolicy([handler, controller])));
    return policy;
  }

  private readPolicy(targets: [Function, Function]): RoutePolicy {
    const declared = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const allowed = declared ? effectiveRoles(declared) : new Set<Role>(['admin']);
    const query = this.reflector.getAllAndOverride<QueryRolesMetadata | undefined>(QUERY_ROLES_KEY, targets);
    const queryAllowed = query && effectiveRoles(query.roles);
    // Admin-only routes change what all units share (reference data): a key limited to some units may not.
    const adminOnly = allowed.size === 1 && allowed.has('admin');
    return {
      isPublic: Boolean(this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)),
      allowed,
      ...(query && queryAllowed ? { queryRoles: { parameter: query.parameter, allowed: queryAllowed, detail: `"${query.parameter}" is for ${[...queryAllowed].join(', ')} keys` } } : {}),
      allUnits: adminOnly || Boolean(this.reflector.getAllAndOverride<boolean>(ALL_UNITS_KEY, targets)),
      unitSource: this.reflector.getAllAndOverride<UnitSource | undefined>(UNIT_SCOPED_KEY, targets),
    };
  }
}

function forbiddenRole(principal: Principal, request: GuardedRequest): AppError {
  const route = request.routeOptions?.url ?? request.url.split('?')[0];
  return new AppError('FORBIDDEN', `a ${principal.role} key may not call ${request.method} ${route}`);
}

function queryParam(request: GuardedRequest, name: string): unknown {
  const query = request.query as Record<string, unknown> | undefined;
  return query?.[name];
}

function present(value: unknown): boolean {
  return value !== undefined && value !== '';
}

function unitFrom(request: GuardedRequest, source: UnitSource): unknown {
  if ('param' in source) return (request.params as Record<string, unknown> | undefined)?.[source.param];
  if ('query' in source) return queryParam(request, source.query);
  const body = request.body;
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[source.body] : undefined;
}

function sourceName(source: UnitSource): string {
  return 'param' in source ? source.param : 'query' in source ? source.query : source.body;
}
