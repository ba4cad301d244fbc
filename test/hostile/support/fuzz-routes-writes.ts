/**
 * Generators of the routes that write: reference data (units, procedures, the calendar, and their
 * reads) and the integrators' dossier commands, each body built field by field from its DTO.
 */
import fc from 'fast-check';
import {
  ADMIN_ALL,
  assemble,
  callerArb,
  DOSSIER_POOL,
  EVERY,
  type Family,
  type FuzzCase,
  INTEGRATOR,
  LEVEL_OF,
  PARENT_OF,
  PROCEDURE_POOL,
  refusalsOf,
  segmentFacts,
  strayBodyArb,
  jsonType,
  UNIT_POOL,
  UNITS,
  withBody,
} from './fuzz-case.js';
import { bodyArb, commandHeadersArb, contentTypeArb, enumOptionArb, type Field, queryArb, segmentArb } from './fuzz-fields.js';
import { FUZZ_DOSSIERS, FUZZ_PROCEDURES, FUZZ_UNITS, MISSING, SEEDED_DOSSIERS, SEEDED_PROCEDURES } from './fuzz-province.js';
import type { Json } from './fuzz-values.js';

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
const YEAR_FIELDS: Field[] = [
  { name: 'holidays', kind: { t: 'dates', holidays: true }, required: true },
  { name: 'workingDays', kind: { t: 'dates', holidays: false }, required: true },
  { name: 'official', kind: { t: 'bool' }, required: true },
  { name: 'sources', kind: { t: 'texts', maxItems: 20, max: 500 }, required: false },
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
  // One year's announced days off and make-up days (PUT /calendar/years/{year}): dates of that year.
  const putYear = fc
    .record({
      who: callerArb(ADMIN_ALL),
      year: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 2026, max: 2030 }).map((y) => ({ raw: String(y), year: y, refuse: undefined as string | undefined })) },
        { weight: 1, arbitrary: fc.constantFrom('0000', '1800', '1999', '2102', '9999').map((raw) => ({ raw, year: Number(raw), refuse: `year ${raw}` as string | undefined })) },
        { weight: 1, arbitrary: fc.constantFrom('27', '20270', 'abcd', '2027.0', '%32%30%32%37x').map((raw) => ({ raw, year: 2027, refuse: `year ${raw}` as string | undefined })) },
      ),
      type: contentTypeArb,
    })
    .chain(({ who, year, type }) =>
      bodyArb(YEAR_FIELDS, now, fc.constant<Record<string, Json>>({ holidays: [`${year.year}-02-08`, `${year.year}-09-02`], workingDays: [] })).map((body) => {
        const b = withBody(body, type);
        return assemble(who, {
          family,
          route: 'PUT /calendar/years/:year',
          access: ADMIN_ALL,
          method: 'PUT',
          path: `/calendar/years/${year.raw}`,
          headers: b.headers,
          body: b.body,
          refuse: [...(year.refuse ? [year.refuse] : []), ...b.refuse],
        });
      }),
    );
  const replan = fc.record({ who: callerArb(ADMIN_ALL), q: queryArb({ dryRun: enumOptionArb(['true', 'false']) }) }).map(({ who, q }) =>
    assemble(who, { family, route: 'POST /calendar/replan', access: ADMIN_ALL, method: 'POST', path: `/calendar/replan${q.text}`, refuse: q.refuse }),
  );
  return fc.oneof(
    read('GET /units', '/units'),
    read('GET /procedures', '/procedures'),
    read('GET /calendar', '/calendar'),
    readOne('GET /units/:unitId', '/units', UNIT_POOL, 'unit'),
    readOne('GET /procedures/:code', '/procedures', PROCEDURE_POOL, 'procedure'),
    { weight: 3, arbitrary: putUnit },
    { weight: 2, arbitrary: putProcedure },
    { weight: 1, arbitrary: putCalendar },
    { weight: 1, arbitrary: putYear },
    { weight: 1, arbitrary: replan },
  );
}

// ---- commands ----

const happened: Field['kind'] = { t: 'instant', kind: 'happened' };
const reason: Field = { name: 'reason', kind: { t: 'text', max: 2000, blankRefused: true }, required: true };
const occurredAt: Field = { name: 'occurredAt', kind: happened, required: true };
const unitField = (name: string, required = true): Field => ({ name, kind: { t: 'id', pool: UNITS, also: [...FUZZ_UNITS, MISSING.unit] }, required, ref: 'unit' });

export const RECEIVE_FIELDS: Field[] = [
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
