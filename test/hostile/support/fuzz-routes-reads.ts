/**
 * Generators of the routes that read (dossiers, their history, reports, steps, live streams,
 * lists), of operations (health, metrics, projections) and of the HTTP layer itself (broken
 * escapes, overlong ids, oversized headers, unknown routes and methods), and the generic one for
 * routes no family knows.
 */
import fc from 'fast-check';
import {
  ADMIN_ALL,
  assemble,
  AUDITORS,
  callerArb,
  DOSSIER_POOL,
  EVERY,
  type Access,
  type Family,
  type FuzzCase,
  jsonType,
  OPEN,
  PROCEDURE_POOL,
  READERS,
  refusalsOf,
  segmentFacts,
  strayBodyArb,
  UNIT_POOL,
  validAuth,
} from './fuzz-case.js';
import { bodyArb, enumOptionArb, idOptionArb, integerOptionArb, queryArb, segmentArb } from './fuzz-fields.js';
import { COMMANDS, RECEIVE_FIELDS } from './fuzz-routes-writes.js';
import { bad, type Gen, ok, queryInstantArb } from './fuzz-values.js';

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
  'PUT /calendar/years/:year',
  'POST /calendar/replan',
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
