/**
 * A generated request (`FuzzCase`) and what every route family shares: callers and their
 * Authorization header, the access rules (src/access/README.md), id pools, and `assemble`, which
 * turns a family's parts into a case. A case carries what is decided without the service's state
 * (`refuse`: why it must be refused) and the facts the oracle checks against the mirror when it
 * runs (ids that must exist, the unit or dossier a scoped key must reach, the unit a PUT would
 * re-parent).
 */
import fc from 'fast-check';
import type { TestRole } from '../../support/test-app.js';
import { isWellFormed, type Segment } from './fuzz-fields.js';
import { CALLERS, type Caller, FUZZ_DOSSIERS, FUZZ_PROCEDURES, FUZZ_UNITS, MISSING, SEEDED_DOSSIERS, SEEDED_PROCEDURES, SEEDED_UNITS } from './fuzz-province.js';

export type Family = 'reference data' | 'commands' | 'dossier reads' | 'supervision' | 'operations and raw HTTP' | 'other routes';

export interface FuzzCase {
  family: Family;
  /** The route as its controller declares it (`POST /dossiers/:id/transfer`), or `raw`. */
  route: string;
  caller: Caller;
  /** How the Authorization header was made. */
  auth: AuthMode;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: string;
  /** Why the request must be refused, as far as the request alone tells. */
  refuse: string[];
  /** Ids (well-formed) in the body that must name an existing unit, procedure. */
  unitRefs: string[];
  procedureRef?: string;
  /** A dossier the request acts on (path), or receives (body). */
  dossier?: { id: string; use: 'read' | 'command' | 'receive' };
  /** A unit a unit-scoped read or a reception names: a scoped key must reach it. */
  scopedUnit?: string;
  /** A unit that must exist (a read of it). */
  existingUnit?: string;
  existingProcedure?: string;
  /** PUT /units: the unit and its new parent (a cycle must be refused). */
  putUnit?: { id: string; parentId?: string };
  /** Carries a reused Idempotency-Key: an earlier answer may come back. */
  replayable: boolean;
  /** Asks for a position beyond the head with a short wait: 503 NOT_CAUGHT_UP is the documented answer. */
  notCaughtUpOk: boolean;
  /**
   * An oversized header: Node answers 431 and closes at once, possibly while the client is still
   * writing, so the client may see a reset instead of the answer (judged only when it arrives).
   */
  mayDropConnection?: true;
}

// ---- callers and Authorization ----

export type AuthMode = 'valid' | 'lowercase-scheme' | 'none' | 'wrong-key' | 'basic' | 'bearer-only' | 'two-tokens' | 'long-key' | 'twice';
export const REFUSED_AUTH: ReadonlySet<AuthMode> = new Set(['none', 'wrong-key', 'basic', 'bearer-only', 'two-tokens', 'long-key']);

const authArb: fc.Arbitrary<AuthMode> = fc.oneof(
  { weight: 40, arbitrary: fc.constant<AuthMode>('valid') },
  { weight: 1, arbitrary: fc.constant<AuthMode>('lowercase-scheme') },
  { weight: 3, arbitrary: fc.constantFrom<AuthMode>('none', 'wrong-key', 'basic', 'bearer-only', 'two-tokens', 'long-key', 'twice') },
);

function authHeader(mode: AuthMode, key: string): Record<string, string | string[]> {
  switch (mode) {
    case 'valid':
      return { authorization: `Bearer ${key}` };
    case 'lowercase-scheme':
      return { authorization: `bearer ${key}` };
    case 'none':
      return {};
    case 'wrong-key':
      return { authorization: 'Bearer not-a-key-of-this-service' };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`admin:${key}`).toString('base64')}` };
    case 'bearer-only':
      return { authorization: 'Bearer ' };
    case 'two-tokens':
      return { authorization: `Bearer ${key} ${key}` };
    case 'long-key':
      return { authorization: `Bearer ${key}${'k'.repeat(600)}` };
    case 'twice':
      return { authorization: [`Bearer ${key}`, 'Bearer not-a-key-of-this-service'] };
  }
}

/** Mostly a caller the route lets in (so that requests reach validation and state), sometimes anyone. */
export function callerArb(access: Access) {
  const allowed = access.roles === OPEN ? CALLERS : CALLERS.filter((c) => access.roles.includes(c.role) && !(access.allUnits && c.scoped));
  return fc.record({
    caller: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...allowed) }, { weight: 1, arbitrary: fc.constantFrom(...CALLERS) }),
    auth: authArb,
  });
}

// ---- access rules (src/access/README.md) ----

export const OPEN = 'open';
export const EVERY: readonly TestRole[] = ['integrator', 'supervisor', 'auditor', 'admin'];
export const READERS: readonly TestRole[] = ['supervisor', 'auditor', 'admin'];
export const AUDITORS: readonly TestRole[] = ['auditor', 'admin'];
export const ADMIN: readonly TestRole[] = ['admin'];
export const INTEGRATOR: readonly TestRole[] = ['integrator'];
export const ADMIN_ALL: Access = { roles: ADMIN, allUnits: true };

export interface Access {
  roles: typeof OPEN | readonly TestRole[];
  /** Only a key for all units (reference data, rebuilds). */
  allUnits?: boolean;
}

function accessRefusals(access: Access, caller: Caller, auth: AuthMode): string[] {
  if (access.roles === OPEN) return [];
  if (REFUSED_AUTH.has(auth)) return [`Authorization ${auth}`];
  if (auth === 'twice') return [];
  if (!access.roles.includes(caller.role)) return [`role ${caller.role}`];
  if (access.allUnits && caller.scoped) return ['a scoped key on a route for all units'];
  return [];
}

/** Whether the caller is known to hold a valid key (only then do role and scope verdicts apply). */
export const validAuth = (c: FuzzCase) => c.auth === 'valid' || c.auth === 'lowercase-scheme';

export interface Parts {
  family: Family;
  route: string;
  access: Access;
  method: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  refuse?: string[];
  extra?: Partial<FuzzCase>;
}

/** One line for a request (what fast-check prints for a counterexample, and the oracle for a violation). */
export function describe(c: FuzzCase): string {
  const headers = Object.entries(c.headers)
    .filter(([k]) => k !== 'authorization')
    .map(([k, v]) => `${k}: ${String(v).slice(0, 80)}${String(v).length > 80 ? `…(${String(v).length})` : ''}`);
  const body = c.body === undefined ? '' : ` body ${c.body.slice(0, 300)}${c.body.length > 300 ? `…(${c.body.length} chars)` : ''}`;
  const path = c.path.length > 300 ? `${c.path.slice(0, 300)}…(${c.path.length} chars)` : c.path;
  return `${c.method} ${path} as ${c.caller.id} (auth ${c.auth})${headers.length ? ` [${headers.join('; ')}]` : ''}${body}`;
}

export function assemble(who: { caller: Caller; auth: AuthMode }, p: Parts): FuzzCase {
  const c: FuzzCase = {
    family: p.family,
    route: p.route,
    caller: who.caller,
    auth: who.auth,
    method: p.method,
    path: p.path,
    headers: { ...authHeader(who.auth, who.caller.key), ...p.headers },
    body: p.body,
    refuse: [...accessRefusals(p.access, who.caller, who.auth), ...(p.refuse ?? [])],
    unitRefs: [],
    replayable: false,
    notCaughtUpOk: false,
    ...p.extra,
  };
  Object.defineProperty(c, fc.toStringMethod, { value: () => describe(c), enumerable: false });
  return c;
}

// ---- pools ----

export const UNITS = SEEDED_UNITS.map(([id]) => id);
export const UNIT_POOL = [...UNITS, ...FUZZ_UNITS, MISSING.unit];
export const PROCEDURE_POOL = [...SEEDED_PROCEDURES, ...FUZZ_PROCEDURES, MISSING.procedure];
export const DOSSIER_POOL = [...SEEDED_DOSSIERS, ...FUZZ_DOSSIERS, MISSING.dossier];
export const PARENT_OF = new Map(SEEDED_UNITS.map(([id, parent]) => [id, parent]));
export const LEVEL_OF = new Map(SEEDED_UNITS.map(([id, , level]) => [id, level]));

export const segmentFacts = (s: Segment) => (isWellFormed(s) ? s.id : undefined);
export const refusalsOf = (...gens: ({ refuse?: string } | undefined)[]) => gens.flatMap((g) => (g?.refuse ? [g.refuse] : []));

/** A JSON body sent with its Content-Type (a non-JSON type with a body must be refused). */
export function withBody(body: { text: string; refuse: string[] }, type: { value?: string; refuse?: string }) {
  const headers: Record<string, string> = type.value !== undefined ? { 'content-type': type.value } : {};
  return {
    headers,
    body: body.text,
    refuse: [...body.refuse, ...(type.refuse && body.text.length > 0 ? [type.refuse] : [])],
  };
}

/** A stray body on a route that reads none (a GET): sometimes, never judged. */
export const jsonType = (body: string | undefined): Record<string, string> => (body !== undefined ? { 'content-type': 'application/json' } : {});
export const strayBodyArb = fc.option(fc.constantFrom('{}', '{"a":1}', '[' .repeat(1000) + ']'.repeat(1000), 'not json'), { nil: undefined, freq: 12 });
