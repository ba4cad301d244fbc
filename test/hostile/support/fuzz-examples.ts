/**
 * The attacks of issue 21, as written there, tried first by every run of the fuzzer (fast-check's
 * `examples`) before the generated ones, and judged by the same oracle.
 */
import { CALLERS, type Caller } from './fuzz-province.js';
import { ADMIN_ALL, assemble, AUDITORS, type Family, type FuzzCase, INTEGRATOR, type Parts, READERS } from './fuzz-case.js';

const caller = (id: string): Caller => CALLERS.find((c) => c.id === id)!;
const as = (id: string, p: Omit<Parts, 'family'> & { family: Family }) => assemble({ caller: caller(id), auth: 'valid' }, p);
const json = { 'content-type': 'application/json' };
const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

/** Finding 1: a reception in 1800 (by a key scoped to D01: C0101 is within it) or in year 0000. */
const poison = (year: string, who: string): FuzzCase =>
  as(who, {
    family: 'commands',
    route: 'POST /dossiers',
    access: { roles: INTEGRATOR },
    method: 'POST',
    path: '/dossiers',
    headers: json,
    body: JSON.stringify({ dossierId: `POISON-${year}`, procedureCode: 'P-TEN', unitId: 'C0101', channel: 'online', receivedAt: `${year}-01-01T09:00:00+07:00` }),
    refuse: [`receivedAt in year ${year}`],
    extra: { unitRefs: ['C0101'], procedureRef: 'P-TEN', scopedUnit: 'C0101', dossier: { id: `POISON-${year}`, use: 'receive' } },
  });

const command = (id: string, action: string, body: string, refuse: string[], headers: Record<string, string> = {}, who = 'integrator-all'): FuzzCase =>
  as(who, {
    family: 'commands',
    route: `POST /dossiers/:id/${action}`,
    access: { roles: INTEGRATOR },
    method: 'POST',
    path: `/dossiers/${id}/${action}`,
    headers: { ...json, ...headers },
    body,
    refuse,
    extra: { dossier: { id, use: 'command' } },
  });

export const ISSUE_EXAMPLES: Record<Family, FuzzCase[]> = {
  commands: [
    poison('1800', 'integrator-D01'),
    poison('0000', 'integrator-all'),
    // Finding 7: 5,000 nested arrays (class-transformer's stack), null for an optional number, a blank reason.
    command('SEED-D01-RECEIVED', 'transfer', nested(5000), ['5,000 nested arrays']),
    command('SEED-D01-RECEIVED', 'transfer', JSON.stringify({ toUnitId: 'C0102', allottedWorkingHours: null, occurredAt: '2025-03-04T09:00:00+07:00' }), ['allottedWorkingHours null']),
    command('SEED-CROSS', 'request-supplement', JSON.stringify({ reason: '   ', occurredAt: '2025-03-04T09:00:00+07:00' }), ['blank reason']),
    command('SEED-D01-APOLOGIZED', 'resolve', '{"outcome":"approved","occurredAt":"2025-03-04T09:00:00+07:00","constructor":"x"}', ['a field named constructor']),
    command('SEED-D01-TRANSFERRED', 'resolve', '{"outcome":"approved","occurredAt":"2025-03-04T09:00:00+07:00","toString":"x"}', ['a field named toString']),
    // Finding 6: If-Match on another unit's dossier (412 with its revision, against 404 for a missing one).
    command('SEED-D02-RECEIVED', 'transfer', JSON.stringify({ toUnitId: 'C0202', occurredAt: '2025-03-04T09:00:00+07:00' }), [], { 'if-match': '7' }, 'integrator-D01'),
  ],
  'reference data': [
    // Finding 7: PUT /calendar with null answered 200 and emptied the holidays.
    as('admin-all', { family: 'reference data', route: 'PUT /calendar', access: ADMIN_ALL, method: 'PUT', path: '/calendar', headers: json, body: 'null', refuse: ['calendar null'] }),
  ],
  'dossier reads': [
    // Finding 6: a 403 naming the units for another unit's dossier; with asOf the 404 before the scope check.
    as('supervisor-D01', { family: 'dossier reads', route: 'GET /dossiers/:id', access: { roles: READERS }, method: 'GET', path: '/dossiers/SEED-D02-TRANSFERRED', extra: { dossier: { id: 'SEED-D02-TRANSFERRED', use: 'read' } } }),
    as('auditor-D01', { family: 'dossier reads', route: 'GET /dossiers/:id', access: { roles: READERS }, method: 'GET', path: '/dossiers/SEED-D02-RECEIVED?asOf=2025-03-10T00%3A00%3A00Z', extra: { dossier: { id: 'SEED-D02-RECEIVED', use: 'read' } } }),
    as('auditor-D01', { family: 'dossier reads', route: 'GET /dossiers/:id/events', access: { roles: AUDITORS }, method: 'GET', path: '/dossiers/SEED-D02-RESOLVED/events', extra: { dossier: { id: 'SEED-D02-RESOLVED', use: 'read' } } }),
  ],
  supervision: [],
  'operations and raw HTTP': [
    // Finding 7: Fastify's own errors (bad URL encoding, 414, 431) were not problem+json and echoed the URL.
    as('admin-all', { family: 'operations and raw HTTP', route: 'raw', access: { roles: READERS }, method: 'GET', path: '/dossiers/%E0%A4%A', refuse: ['bad URL encoding'] }),
    as('admin-all', { family: 'operations and raw HTTP', route: 'raw', access: { roles: READERS }, method: 'GET', path: `/dossiers/${'x'.repeat(200)}`, refuse: ['414'] }),
    as('admin-all', { family: 'operations and raw HTTP', route: 'raw', access: { roles: READERS }, method: 'GET', path: '/health', headers: { 'x-padding': 'p'.repeat(20_000) }, refuse: ['431'], extra: { mayDropConnection: true } }),
  ],
  'other routes': [],
};
