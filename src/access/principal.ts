import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';

export const ROLES = ['integrator', 'supervisor', 'auditor', 'admin', 'reader'] as const;
export type Role = (typeof ROLES)[number];
/**
 * The roles of people and integrating systems: every role but `reader`, the downstream systems'
 * role, which calls GET /feed and nothing else (and gets no key at the first start).
 */
export const STAFF_ROLES = ['integrator', 'supervisor', 'auditor', 'admin'] as const satisfies readonly Role[];

/** Who is calling: resolved from the API key by the Authenticator (onRequest hook). */
export interface Principal {
  /** The key's `name`, or a short fingerprint of it: what `actor` in event metadata says. Never the secret. */
  name: string;
  role: Role;
  /** Units the key serves (and everything below them); undefined means all units. */
  units?: string[];
}

export const ROLES_KEY = 'access:roles';
/** Roles allowed on a route (the guard answers 403 to others). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** The request's principal, set by the Authenticator before the guard runs. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const request = ctx.switchToHttp().getRequest<{ principal?: Principal }>();
  return request.principal ?? SYSTEM_PRINCIPAL;
});

/** The service itself (the overdue watcher, the seed). */
export const SYSTEM_PRINCIPAL: Principal = { name: 'system', role: 'admin' };
