/**
 * Request generators per route family. Each generated case carries what is decided without the
 * service's state (`refuse`: why it must be refused) and the facts the oracle checks against the
 * mirror when it runs (ids that must exist, the unit or dossier a scoped key must reach, the unit
 * a PUT would re-parent).
 */
import fc from 'fast-check';
import type { TestRole } from '../../support/test-app.js';
import {
  bodyArb,
  commandHeadersArb,
  contentTypeArb,
  type Field,
  enumOptionArb,
  idOptionArb,
  integerOptionArb,
  isWellFormed,
  queryArb,
  type Segment,
  segmentArb,
} from './fuzz-fields.js';
import { CALLERS, type Caller, FUZZ_DOSSIERS, FUZZ_PROCEDURES, FUZZ_UNITS, MISSING, SEEDED_DOSSIERS, SEEDED_PROCEDURES, SEEDED_UNITS } from './fuzz-province.js';
import { bad, type Gen, type Json, ok, queryInstantArb } from './fuzz-values.js';

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
const REFUSED_AUTH: ReadonlySet<AuthMode> = new Set(['none', 'wrong-key', 'basic', 'bearer-only', 'two-tokens', 'long-key']);

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
function callerArb(access: Access) {
  const allowed = access.roles === OPEN ? CALLERS : CALLERS.filter((c) => access.roles.includes(c.role) && !(access.allUnits && c.scoped));
  return fc.record({
    caller: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...allowed) }, { weight: 1, arbitrary: fc.constantFrom(...CALLERS) }),
    auth: authArb,
  });
}

// ---- access rules (src/access/README.md) ----

const OPEN = 'open';
const EVERY: readonly TestRole[] = ['integrator', 'supervisor', 'auditor', 'admin'];
export const READERS: readonly TestRole[] = ['supervisor', 'auditor', 'admin'];
export const AUDITORS: readonly TestRole[] = ['auditor', 'admin'];
const ADMIN: readonly TestRole[] = ['admin'];
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

const UNITS = SEEDED_UNITS.map(([id]) => id);
const UNIT_POOL = [...UNITS, ...FUZZ_UNITS, MISSING.unit];
const PROCEDURE_POOL = [...SEEDED_PROCEDURES, ...FUZZ_PROCEDURES, MISSING.procedure];
const DOSSIER_POOL = [...SEEDED_DOSSIERS, ...FUZZ_DOSSIERS, MISSING.dossier];
const PARENT_OF = new Map(SEEDED_UNITS.map(([id, parent]) => [id, parent]));
const LEVEL_OF = new Map(SEEDED_UNITS.map(([id, , level]) => [id, level]));

const segmentFacts = (s: Segment) => (isWellFormed(s) ? s.id : undefined);
const refusalsOf = (...gens: ({ refuse?: string } | undefined)[]) => gens.flatMap((g) => (g?.refuse ? [g.refuse] : []));

/** A JSON body sent with its Content-Type (a non-JSON type with a body must be refused). */
function withBody(body: { text: string; refuse: string[] }, type: { value?: string; refuse?: string }) {
  const headers: Record<string, string> = type.value !== undefined ? { 'content-type': type.value } : {};
  return {
    headers,
    body: body.text,
    refuse: [...body.refuse, ...(type.refuse && body.text.length > 0 ? [type.refuse] : [])],
  };
}

/** A stray body on a route that reads none (a GET): sometimes, never judged. */
const jsonType = (body: string | undefined): Record<string, string> => (body !== undefined ? { 'content-type': 'application/json' } : {});
const strayBodyArb = fc.option(fc.constantFrom('{}', '{"a":1}', '[' .repeat(1000) + ']'.repeat(1000), 'not json'), { nil: undefined, freq: 12 });

// ---- reference data ----

const UNIT_FIELDS: Field[] = [
  { name: 'name', kind: { t: 'text', max: 200, blankRefused: false }, required: true },
  { name: 'parentId', kind: { t: 'id', pool: UNITS, also: [...FUZZ_UNITS, MISSING.unit] }, required: false, ref: 'unit' },
  { name: 'level', kind: { t: 'enum', values: ['province', 'department', 'district', 'commune', 'office'] }, required: true },
];
const PROCEDURE_FIELDS: Field[] = [
  { name: 'name', kind: { t: 'text', max: 300, blankRefused: false }, required: true },
  { name: 'statutoryWorkingDays', kind: { t: 'number', min: 0.125, max: 365 }, required: true },
  { name: 'onSupplement', kind: { t: 'enum', values: ['restart', 'pause'] }, required: false },
];
const CALENDAR_FIELDS: Field[] = [
  { name: 'officeHours', kind: { t: 'officeHours' }, required: false },
  { name: 'cutoff', kind: { t: 'hhmm' }, required: false },
  { name: 'holidays', kind: { t: 'dates', holidays: true }, required: false },
  { name: 'workingDays', kind: { t: 'dates', holidays: false }, required: false },
];

export function referenceDataArb(now: number): fc.Arbitrary<FuzzCase> {
  const family: Family = 'reference data';
  const read = (route: string, path: string) =>
    fc.record({ who: callerArb({ roles: EVERY }), q: queryArb({}), stray: strayBodyArb }).map(({ who, q, stray }) =>
      assemble(who, { family, route, access: { roles: EVERY }, method: 'GET', path: path + q.text, body: stray, headers: jsonType(stray) }),
    );
  const readOne = (route: string, prefix: string, pool: readonly string[], what: 'unit' | 'procedure') =>
    fc.record({ who: callerArb({ roles: EVERY }), seg: segmentArb(pool) }).map(({ who, seg }) =>
      assemble(who, {
        family,
        route,
        access: { roles: EVERY },
        method: 'GET',
        path: `${prefix}/${seg.raw}`,
        refuse: refusalsOf(seg),
        extra: what === 'unit' ? { existingUnit: segmentFacts(seg) } : { existingProcedure: segmentFacts(seg) },
      }),
    );
  const putUnit = fc
    .record({ who: callerArb(ADMIN_ALL), seg: segmentArb([...UNITS, ...FUZZ_UNITS]), type: contentTypeArb })
    .chain(({ who, seg, type }) => {
      // A seeded unit keeps its parent and level unless a mutation changes them (its name changes freely).
      const fixed: Record<string, Json> = {};
      const id = segmentFacts(seg);
      if (id !== undefined && PARENT_OF.has(id)) {
        const parent = PARENT_OF.get(id);
        if (parent !== undefined) fixed.parentId = parent;
        fixed.level = LEVEL_OF.get(id)!;
      }
      return bodyArb(UNIT_FIELDS, now, fc.constant(fixed)).map((body) => {
        const parent = body.values.get('parentId');
        const b = withBody(body, type);
        return assemble(who, {
          family,
          route: 'PUT /units/:unitId',
          access: ADMIN_ALL,
          method: 'PUT',
          path: `/units/${seg.raw}`,
          headers: b.headers,
          body: b.body,
          refuse: [...refusalsOf(seg), ...b.refuse],
          extra: {
            putUnit: id !== undefined ? { id, ...(typeof parent === 'string' ? { parentId: parent } : {}) } : undefined,
            unitRefs: typeof parent === 'string' && parent !== '' ? [parent] : [],
          },
        });
      });
    });
  const putProcedure = fc
    .record({ who: callerArb(ADMIN_ALL), seg: segmentArb([...SEEDED_PROCEDURES, ...FUZZ_PROCEDURES]), type: contentTypeArb, body: bodyArb(PROCEDURE_FIELDS, now) })
    .map(({ who, seg, type, body }) => {
      const b = withBody(body, type);
      return assemble(who, {
        family,
        route: 'PUT /procedures/:code',
        access: ADMIN_ALL,
        method: 'PUT',
        path: `/procedures/${seg.raw}`,
        headers: b.headers,
        body: b.body,
        refuse: [...refusalsOf(seg), ...b.refuse],
      });
    });
  const putCalendar = fc.record({ who: callerArb(ADMIN_ALL), type: contentTypeArb, body: bodyArb(CALENDAR_FIELDS, now) }).map(({ who, type, body }) => {
    const b = withBody(body, type);
    return assemble(who, { family, route: 'PUT /calendar', access: ADMIN_ALL, method: 'PUT', path: '/calendar', headers: b.headers, body: b.body, refuse: b.refuse });
  });
  return fc.oneof(
    read('GET /units', '/units'),
    read('GET /procedures', '/procedures'),
    read('GET /calendar', '/calendar'),
    readOne('GET /units/:unitId', '/units', UNIT_POOL, 'unit'),
    readOne('GET /procedures/:code', '/procedures', PROCEDURE_POOL, 'procedure'),
    { weight: 3, arbitrary: putUnit },
    { weight: 2, arbitrary: putProcedure },
    { weight: 1, arbitrary: putCalendar },
  );
}

// ---- commands ----

const happened: Field['kind'] = { t: 'instant', kind: 'happened' };
const reason: Field = { name: 'reason', kind: { t: 'text', max: 2000, blankRefused: true }, required: true };
const occurredAt: Field = { name: 'occurredAt', kind: happened, required: true };
const unitField = (name: string, required = true): Field => ({ name, kind: { t: 'id', pool: UNITS, also: [...FUZZ_UNITS, MISSING.unit] }, required, ref: 'unit' });

const RECEIVE_FIELDS: Field[] = [
  // Half into the pool that later commands act on, half new (so that receptions keep getting through).
  { name: 'dossierId', kind: { t: 'id', pool: FUZZ_DOSSIERS, also: SEEDED_DOSSIERS.slice(0, 3), fresh: 'FZ-N' }, required: true },
  { name: 'procedureCode', kind: { t: 'id', pool: SEEDED_PROCEDURES, also: [...FUZZ_PROCEDURES, MISSING.procedure] }, required: true, ref: 'procedure' },
  unitField('unitId'),
  { name: 'channel', kind: { t: 'enum', values: ['online', 'direct', 'postal'] }, required: true },
  { name: 'receivedAt', kind: happened, required: true },
  { name: 'digitized', kind: { t: 'bool' }, required: false },
];

export const COMMANDS: Record<string, Field[]> = {
  transfer: [unitField('toUnitId'), { name: 'allottedWorkingHours', kind: { t: 'number', min: 0.25, max: 10000 }, required: false, nullRefused: true }, occurredAt],
  'request-supplement': [reason, occurredAt],
  supplement: [occurredAt],
  apologize: [reason, { name: 'newAppointmentAt', kind: { t: 'instant', kind: 'bounded' }, required: true }, unitField('responsibleUnitId'), occurredAt],
  resolve: [{ name: 'outcome', kind: { t: 'enum', values: ['approved', 'refused'] }, required: true }, occurredAt, { name: 'resultDigitized', kind: { t: 'bool' }, required: false }],
  'return-result': [occurredAt],
  withdraw: [reason, occurredAt],
};

export function commandsArb(now: number): fc.Arbitrary<FuzzCase> {
  const family: Family = 'commands';
  const receive = fc.record({ who: callerArb({ roles: INTEGRATOR }), type: contentTypeArb, h: commandHeadersArb, body: bodyArb(RECEIVE_FIELDS, now) }).map(({ who, type, h, body }) => {
    const b = withBody(body, type);
    const str = (k: string) => (typeof body.values.get(k) === 'string' ? (body.values.get(k) as string) : undefined);
    const unitId = str('unitId');
    const dossierId = str('dossierId');
    return assemble(who, {
      family,
      route: 'POST /dossiers',
      access: { roles: INTEGRATOR },
      method: 'POST',
      path: '/dossiers',
      headers: { ...b.headers, ...h.headers },
      body: b.body,
      refuse: [...b.refuse, ...h.refuse],
      extra: {
        unitRefs: unitId ? [unitId] : [],
        procedureRef: str('procedureCode'),
        dossier: dossierId ? { id: dossierId, use: 'receive' } : undefined,
        scopedUnit: unitId,
        replayable: h.replayable,
      },
    });
  });
  const act = fc
    .record({ who: callerArb({ roles: INTEGRATOR }), action: fc.constantFrom(...Object.keys(COMMANDS)), seg: segmentArb(DOSSIER_POOL), type: contentTypeArb, h: commandHeadersArb })
    .chain(({ who, action, seg, type, h }) =>
      bodyArb(COMMANDS[action], now).map((body) => {
        const b = withBody(body, type);
        const refs = COMMANDS[action].filter((f) => f.ref === 'unit').map((f) => body.values.get(f.name)).filter((v): v is string => typeof v === 'string');
        const id = segmentFacts(seg);
        return assemble(who, {
          family,
          route: `POST /dossiers/:id/${action}`,
          access: { roles: INTEGRATOR },
          method: 'POST',
          path: `/dossiers/${seg.raw}/${action}`,
          headers: { ...b.headers, ...h.headers },
          body: b.body,
          refuse: [...refusalsOf(seg), ...b.refuse, ...h.refuse],
          extra: { unitRefs: refs, dossier: id ? { id, use: 'command' } : undefined, replayable: h.replayable },
        });
      }),
    );
  return fc.oneof({ weight: 1, arbitrary: receive }, { weight: 2, arbitrary: act });
}

// ---- dossier reads ----

const minPositionArb: fc.Arbitrary<Gen<string>> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 20 }).map((n) => ok(String(n))) },
  { weight: 1, arbitrary: fc.constantFrom('99999999', String(Number.MAX_SAFE_INTEGER)).map((s) => ok(s)) },
  { weight: 2, arbitrary: fc.constantFrom('-1', '1.5', 'abc', '9'.repeat(17), '0x1', ' 1').map((s) => bad(s, `minPosition ${s}`)) },
);

export function dossierReadsArb(now: number): fc.Arbitrary<FuzzCase> {
  const family: Family = 'dossier reads';
  const one = fc
    .record({ who: callerArb({ roles: READERS }), seg: segmentArb(DOSSIER_POOL), q: queryArb({ asOf: queryInstantArb(now), minPosition: minPositionArb }), stray: strayBodyArb })
    .map(({ who, seg, q, stray }) => {
      const asOfRole = q.values.has('asOf') && q.values.get('asOf') !== '' && !AUDITORS.includes(who.caller.role) && validAuth({ auth: who.auth } as FuzzCase);
      return assemble(who, {
        family,
        route: 'GET /dossiers/:id',
        access: { roles: READERS },
        method: 'GET',
        path: `/dossiers/${seg.raw}${q.text}`,
        body: stray,
        headers: jsonType(stray),
        refuse: [...refusalsOf(seg), ...q.refuse, ...(asOfRole ? [`asOf for a ${who.caller.role}`] : [])],
        extra: { dossier: segmentFacts(seg) ? { id: segmentFacts(seg)!, use: 'read' } : undefined },
      });
    });
  const events = fc.record({ who: callerArb({ roles: AUDITORS }), seg: segmentArb(DOSSIER_POOL), q: queryArb({ minPosition: minPositionArb }) }).map(({ who, seg, q }) =>
    assemble(who, {
      family,
      route: 'GET /dossiers/:id/events',
      access: { roles: AUDITORS },
      method: 'GET',
      path: `/dossiers/${seg.raw}/events${q.text}`,
      refuse: [...refusalsOf(seg), ...q.refuse],
      extra: { dossier: segmentFacts(seg) ? { id: segmentFacts(seg)!, use: 'read' } : undefined },
    }),
  );
  return fc.oneof({ weight: 2, arbitrary: one }, { weight: 1, arbitrary: events });
}

// ---- supervision: reports, steps, live streams, lists ----

const SCOPES = ['self', 'subtree'];
const waitArb = integerOptionArb(0, 30_000);

/** A report's period: `from` before `to` (or before now without `to`), else refused. */
function periodRefusals(values: Map<string, string>, now: number): string[] {
  const parse = (k: string) => {
    const v = values.get(k);
    if (v === undefined || v === '') return undefined;
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  };
  const from = parse('from');
  const to = parse('to');
  if (from !== undefined && to !== undefined && from >= to) return ['from not before to'];
  if (from !== undefined && to === undefined && from >= now) return ['from in the future'];
  return [];
}

/** A wait for a far position is answered 503 NOT_CAUGHT_UP; keep it short (timeoutMs=0) unless it is refused anyway. */
function shortWait(text: string, values: Map<string, string>, refuse: string[]): { text: string; notCaughtUpOk: boolean } {
  const pos = Number(values.get('minPosition'));
  if (!(pos > 1000)) return { text, notCaughtUpOk: false };
  if (refuse.length > 0) return { text, notCaughtUpOk: true };
  const shortened = values.has('timeoutMs') ? text.replace(/([?&])timeoutMs=[^&]*/, '$1timeoutMs=0') : `${text}&timeoutMs=0`;
  return { text: shortened, notCaughtUpOk: true };
}

export function supervisionArb(now: number): fc.Arbitrary<FuzzCase> {
  const family: Family = 'supervision';
  const period = { from: queryInstantArb(now), to: queryInstantArb(now), scope: enumOptionArb(SCOPES), minPosition: minPositionArb, timeoutMs: waitArb };
  const report = (kind: 'timeliness' | 'steps' | 'timeliness/live') => {
    const options =
      kind === 'steps'
        ? { ...period, groupBy: fc.constant(ok('child')), asOf: queryInstantArb(now) }
        : kind === 'timeliness'
          ? { ...period, groupBy: enumOptionArb(['none', 'procedure', 'child']), asOf: queryInstantArb(now) }
          : { ...period, groupBy: enumOptionArb(['none', 'procedure', 'child']) };
    return fc.record({ who: callerArb({ roles: READERS }), seg: segmentArb(UNIT_POOL), q: queryArb(options), liveAsOf: fc.boolean() }).map(({ who, seg, q, liveAsOf }) => {
      const live = kind === 'timeliness/live';
      const refuse = [...refusalsOf(seg), ...q.refuse, ...periodRefusals(q.values, now)];
      // steps ignore groupBy and asOf; a live stream has no asOf.
      if (kind === 'steps') refuse.splice(0, refuse.length, ...refuse.filter((r) => !r.startsWith('asOf') && !r.startsWith('groupBy')));
      let text = q.text;
      if (live && liveAsOf) {
        text += `${text ? '&' : '?'}asOf=2025-03-03T09%3A00%3A00Z`;
        refuse.push('asOf on a live stream');
      }
      if (kind === 'timeliness' && q.values.get('asOf') && !AUDITORS.includes(who.caller.role) && validAuth({ auth: who.auth } as FuzzCase)) refuse.push(`asOf for a ${who.caller.role}`);
      const wait = shortWait(text, q.values, refuse);
      return assemble(who, {
        family,
        route: `GET /units/:unitId/${kind}`,
        access: { roles: READERS },
        method: 'GET',
        path: `/units/${seg.raw}/${kind}${wait.text}`,
        refuse,
        extra: { scopedUnit: segmentFacts(seg), existingUnit: segmentFacts(seg), notCaughtUpOk: wait.notCaughtUpOk },
      });
    });
  };
  const list = fc
    .record({
      who: callerArb({ roles: READERS }),
      q: queryArb({
        unitId: idOptionArb(UNIT_POOL),
        scope: enumOptionArb(SCOPES),
        currentUnitId: idOptionArb(UNIT_POOL),
        status: enumOptionArb(['received', 'awaiting_supplement', 'resolved', 'returned', 'withdrawn']),
        overdue: enumOptionArb(['true', 'false']),
        limit: integerOptionArb(1, 500),
        cursor: fc.oneof(
          fc.constantFrom('eyJhZnRlciI6MX0', 'eyJhZnRlciI6MTB9').map((s) => ok(s)),
          fc.constantFrom('abc', 'eyJhZnRlciI6LTF9', 'eyJhZnRlciI6IngifQ', 'e30', '%%%').map((s) => bad(s, `cursor ${s}`)),
        ),
        minPosition: minPositionArb,
        timeoutMs: waitArb,
      }),
    })
    .map(({ who, q }) => {
      const unitId = q.values.get('unitId');
      const wait = shortWait(q.text, q.values, q.refuse);
      return assemble(who, {
        family,
        route: 'GET /dossiers',
        access: { roles: READERS },
        method: 'GET',
        path: `/dossiers${wait.text}`,
        refuse: q.refuse,
        extra: { scopedUnit: unitId || undefined, existingUnit: unitId || undefined, notCaughtUpOk: wait.notCaughtUpOk },
      });
    });
  return fc.oneof({ weight: 3, arbitrary: report('timeliness') }, { weight: 1, arbitrary: report('steps') }, { weight: 1, arbitrary: report('timeliness/live') }, { weight: 2, arbitrary: list });
}

// ---- operations and the HTTP layer itself ----

export function operationsArb(): fc.Arbitrary<FuzzCase> {
  const family: Family = 'operations and raw HTTP';
  const simple = (route: string, access: Access) =>
    fc.record({ who: callerArb(access), q: queryArb({}) }).map(({ who, q }) => assemble(who, { family, route, access, method: 'GET', path: route.split(' ')[1] + q.text }));
  const rebuild = fc.record({ who: callerArb(ADMIN_ALL), q: queryArb({ wait: enumOptionArb(['true', 'false']) }), stray: strayBodyArb }).map(({ who, q, stray }) =>
    assemble(who, {
      family,
      route: 'POST /projections/rebuild',
      access: ADMIN_ALL,
      method: 'POST',
      path: `/projections/rebuild${q.text}`,
      body: stray,
      headers: jsonType(stray),
      refuse: q.refuse,
    }),
  );
  // Requests the routes never see: Fastify's and Node's own answers must be problem+json too.
  const raw = fc
    .record({
      who: callerArb({ roles: EVERY }),
      shape: fc.constantFrom<[string, string, string]>(
        ['GET', '/%E0%A4%A', 'broken escape in the path'],
        ['GET', '/units/%', 'broken escape in a parameter'],
        ['GET', '/dossiers/%ZZ/events', 'broken escape in a parameter'],
        ['GET', '/nope', 'no such route'],
        ['GET', '/dossiers/SEED-D01-RECEIVED/nope', 'no such route'],
        ['GET', '/units/P/timeliness/live/extra', 'no such route'],
        ['DELETE', '/units/P', 'no such method'],
        ['PATCH', '/dossiers/SEED-D01-RECEIVED', 'no such method'],
        ['PUT', '/dossiers/SEED-D01-RECEIVED', 'no such method'],
        ['GET', `/units/${'u'.repeat(5000)}`, 'a very long parameter'],
        ['GET', `/units/P/timeliness?from=${'9'.repeat(9000)}`, 'a very long query'],
        ['GET', '/../../etc/passwd', 'traversal'],
        ['GET', '//units', 'empty segment'],
        ['GET', '/units/..%2F..%2Fcalendar', 'traversal in a parameter'],
        ['POST', '/dossiers/SEED-D01-RECEIVED/resolve?x=%', 'broken escape in the query'],
      ),
      bigHeader: fc.option(fc.constantFrom(20_000, 70_000), { nil: undefined, freq: 10 }),
    })
    .map(({ who, shape: [method, path, why], bigHeader }) =>
      assemble(who, {
        family,
        route: 'raw',
        access: { roles: EVERY },
        method,
        path,
        headers: bigHeader ? { 'x-padding': 'p'.repeat(bigHeader) } : {},
        refuse: [why, ...(bigHeader ? [`a ${bigHeader}-byte header`] : [])],
        extra: bigHeader ? { mayDropConnection: true } : {},
      }),
    );
  return fc.oneof(
    simple('GET /health', { roles: OPEN }),
    simple('GET /docs', { roles: OPEN }),
    simple('GET /docs/openapi.json', { roles: OPEN }),
    simple('GET /metrics', { roles: AUDITORS }),
    simple('GET /projections/status', { roles: AUDITORS }),
    { weight: 1, arbitrary: rebuild },
    { weight: 3, arbitrary: raw },
  );
}

/** The routes the generators above drive (a route of the service missing here goes to `otherRoutesArb`). */
export const DRIVEN_ROUTES = [
  'GET /units',
  'GET /units/:unitId',
  'PUT /units/:unitId',
  'GET /procedures',
  'GET /procedures/:code',
  'PUT /procedures/:code',
  'GET /calendar',
  'PUT /calendar',
  'POST /dossiers',
  ...Object.keys(COMMANDS).map((a) => `POST /dossiers/:id/${a}`),
  'GET /dossiers/:id',
  'GET /dossiers/:id/events',
  'GET /units/:unitId/timeliness',
  'GET /units/:unitId/steps',
  'GET /units/:unitId/timeliness/live',
  'GET /dossiers',
  'GET /health',
  'GET /metrics',
  'GET /projections/status',
  'POST /projections/rebuild',
];

/**
 * Routes the service has and no generator above knows (added after this fuzzer): driven with ids
 * from every pool, weird query strings and bodies. Judged on the universal properties only.
 */
export function otherRoutesArb(routes: readonly string[], now: number): fc.Arbitrary<FuzzCase> {
  const family: Family = 'other routes';
  return fc
    .record({
      who: callerArb({ roles: OPEN }),
      route: fc.constantFrom(...routes),
      segs: fc.array(segmentArb([...UNIT_POOL, ...DOSSIER_POOL, ...PROCEDURE_POOL]), { minLength: 3, maxLength: 3 }),
      q: queryArb({ from: queryInstantArb(now), to: queryInstantArb(now), limit: integerOptionArb(1, 500), scope: enumOptionArb(SCOPES) }, false),
      body: fc.option(bodyArb(RECEIVE_FIELDS, now), { nil: undefined }),
    })
    .map(({ who, route, segs, q, body }) => {
      const [method, template] = route.split(' ');
      let i = 0;
      const path = template.replace(/:[^/]+/g, () => segs[i++ % segs.length].raw);
      return assemble(who, {
        family,
        route,
        access: { roles: OPEN }, // unknown: only the universal properties are judged
        method,
        path: path + q.text,
        body: method === 'GET' ? undefined : body?.text,
        headers: method === 'GET' ? {} : jsonType(body?.text),
      });
    });
}
