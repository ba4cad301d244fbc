/**
 * Every route against every role, with a key for all units and a key for district D01 only, plus
 * no key and a wrong key: each must get the guard's decision (401, 403) or, when allowed, the
 * route's own answer (another unit's dossier is 404 for a D01 key, as if it did not exist). One
 * row per route and unit case: a route added to the service is one line here (the last test
 * fails until it has one). A row whose route is missing fails.
 *
 * Unit tree:  P ─┬─ D01 ─┬─ C0101      A D01 key reaches D01, C0101, C0102 (the "in" cases),
 *                │       └─ C0102      never D02 or its communes (the "out" cases), nor P.
 *                └─ D02 ─┬─ C0201
 *                        └─ C0202
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ROLES, type Role, STAFF_ROLES } from '../../src/access/principal.js';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/test-app.js';
import { serviceRoutes } from './routes.js';

interface Caller {
  id: string;
  role?: Role;
  key?: string;
  /** Limited to D01 and below. */
  scoped?: boolean;
}

const CALLERS: Caller[] = [
  { id: 'no-key' },
  { id: 'wrong-key', key: 'not-a-key-of-this-service' },
  ...ROLES.flatMap((role): Caller[] => [
    { id: `${role}-all`, role, key: TEST_KEYS[role] },
    { id: `${role}-D01`, role, key: `scoped-${role}-D01-api-key`, scoped: true },
  ]),
];

const OPEN = 'open';
/** Every key but a reader's (downstream systems read the feed only). */
const EVERY: readonly Role[] = STAFF_ROLES;
const INTEGRATOR: readonly Role[] = ['integrator'];
/** Reads of dossiers, lists, reports and live streams. */
const READERS: readonly Role[] = ['supervisor', 'auditor', 'admin'];
/** History, as-of views, operations. */
const AUDITORS: readonly Role[] = ['auditor', 'admin'];
const ADMIN: readonly Role[] = ['admin'];
/** The event feed: auditors (and admins) and the downstream systems' readers. */
const FEED: readonly Role[] = ['auditor', 'admin', 'reader'];

interface Row {
  /** The route as the controller declares it (parameter names do not matter). */
  route: string;
  /** Served by Fastify directly (not a Nest controller): always walked. */
  raw?: true;
  roles: typeof OPEN | readonly Role[];
  /** The unit the request touches: within D01, outside it, all units at once; absent: none in particular. */
  unit?: 'in' | 'out' | 'all';
  /** The status when the guard lets the request through. */
  ok: number;
  url: (c: Caller) => string;
  body?: (c: Caller) => unknown;
  /** The body's media type when it is not JSON (the body is then sent as the text given). */
  contentType?: string;
  /** The Accept header, when the route answers other media types on request. */
  accept?: string;
}

/** Local (+07:00) instants of the test's timeline. */
const vn = (date: string, time: string) => `${date}T${time}:00+07:00`;
/** Each caller acts on dossiers of its own, so that the commands run in lifecycle order for each. */
const flow = (unit: 'in' | 'out', c: Caller) => `FLOW-${unit.toUpperCase()}-${c.id}`;
const withdrawable = (unit: 'in' | 'out', c: Caller) => `W-${unit.toUpperCase()}-${c.id}`;
const UNIT = { in: 'C0101', out: 'C0201' } as const;
const SIBLING = { in: 'C0102', out: 'C0202' } as const;
const READ = { in: 'READ-IN', out: 'READ-OUT' } as const;
const now = () => new Date().toISOString();
let calendar: Record<string, unknown> = {};
/** A reconciliation of each unit, made in the setup. */
const reconciliations = { in: '', out: '' };
/** Position of the last dossier received in the setup (lists wait for their read model to reach it). */
let lastPosition = 0;

const receive = (unit: 'in' | 'out') => (c: Caller) => ({
  dossierId: `NEW-${unit.toUpperCase()}-${c.id}`,
  procedureCode: 'P-TEN',
  unitId: UNIT[unit],
  channel: 'online',
  receivedAt: vn('2025-03-03', '08:00'),
});

// prettier-ignore
const MATRIX: Row[] = [
  // open
  { route: 'GET /health', roles: OPEN, ok: 200, url: () => '/health' },
  { route: 'GET /health/live', roles: OPEN, ok: 200, url: () => '/health/live' },
  { route: 'GET /health/ready', roles: OPEN, ok: 200, url: () => '/health/ready' },
  { route: 'GET /docs', raw: true, roles: OPEN, ok: 200, url: () => '/docs' },
  { route: 'GET /docs/openapi.json', raw: true, roles: OPEN, ok: 200, url: () => '/docs/openapi.json' },
  { route: 'GET /', raw: true, roles: OPEN, ok: 200, url: () => '/' },
  // reference data: every key reads it; only an admin key for all units changes it
  // who the key is (the dashboard's first call)
  { route: 'GET /me', roles: EVERY, ok: 200, url: () => '/me' },
  { route: 'GET /units', roles: EVERY, ok: 200, url: () => '/units' },
  { route: 'GET /units/:unitId', roles: EVERY, ok: 200, url: () => '/units/C0201' },
  { route: 'PUT /units/:unitId', roles: ADMIN, unit: 'all', ok: 200, url: (c) => `/units/NEW-${c.id}`, body: () => ({ name: 'Xã mới', parentId: 'D01', level: 'commune' }) },
  { route: 'GET /procedures', roles: EVERY, ok: 200, url: () => '/procedures' },
  { route: 'GET /procedures/:code', roles: EVERY, ok: 200, url: () => '/procedures/P-TEN' },
  { route: 'PUT /procedures/:code', roles: ADMIN, unit: 'all', ok: 200, url: (c) => `/procedures/P-${c.id}`, body: () => ({ name: 'Thủ tục', statutoryWorkingDays: 5 }) },
  { route: 'GET /calendar', roles: EVERY, ok: 200, url: () => '/calendar' },
  { route: 'PUT /calendar', roles: ADMIN, unit: 'all', ok: 200, url: () => '/calendar', body: () => calendar },
  { route: 'PUT /calendar/years/:year', roles: ADMIN, unit: 'all', ok: 200, url: () => '/calendar/years/2026', body: () => ({ holidays: (calendar.holidays as string[]).filter((d) => d.startsWith('2026')), workingDays: (calendar.workingDays as string[]).filter((d) => d.startsWith('2026')), official: true }) },
  { route: 'POST /calendar/replan', roles: ADMIN, unit: 'all', ok: 200, url: () => '/calendar/replan?dryRun=true' },
  // the scorecard's targets: admins for all units set them, readers of reports read them
  { route: 'PUT /targets', roles: ADMIN, unit: 'all', ok: 200, url: () => '/targets', body: () => ({ onTimeRate: 0.95 }) },
  { route: 'GET /targets', roles: READERS, ok: 200, url: () => '/targets' },
  // commands: integrators only, for their units (in lifecycle order: each caller has its own dossiers)
  { route: 'POST /dossiers', roles: INTEGRATOR, unit: 'in', ok: 201, url: () => '/dossiers', body: receive('in') },
  { route: 'POST /dossiers', roles: INTEGRATOR, unit: 'out', ok: 201, url: () => '/dossiers', body: receive('out') },
  ...(['in', 'out'] as const).flatMap((u): Row[] => [
    { route: 'POST /dossiers/:id/transfer', roles: INTEGRATOR, unit: u, ok: 200, url: (c) => `/dossiers/${flow(u, c)}/transfer`, body: () => ({ toUnitId: SIBLING[u], allottedWorkingHours: 8, occurredAt: vn('2025-03-03', '09:00') }) },
    { route: 'POST /dossiers/:id/apologize', roles: INTEGRATOR, unit: u, ok: 200, url: (c) => `/dossiers/${flow(u, c)}/apologize`, body: () => ({ reason: 'backlog', newAppointmentAt: vn('2025-04-01', '08:00'), responsibleUnitId: SIBLING[u], occurredAt: vn('2025-03-03', '10:00') }) },
    { route: 'POST /dossiers/:id/request-supplement', roles: INTEGRATOR, unit: u, ok: 200, url: (c) => `/dossiers/${flow(u, c)}/request-supplement`, body: () => ({ reason: 'missing form', occurredAt: vn('2025-03-03', '11:00') }) },
    { route: 'POST /dossiers/:id/supplement', roles: INTEGRATOR, unit: u, ok: 200, url: (c) => `/dossiers/${flow(u, c)}/supplement`, body: () => ({ occurredAt: vn('2025-03-04', '08:00') }) },
    { route: 'POST /dossiers/:id/resolve', roles: INTEGRATOR, unit: u, ok: 200, url: (c) => `/dossiers/${flow(u, c)}/resolve`, body: () => ({ outcome: 'approved', occurredAt: vn('2025-03-04', '09:00') }) },
    { route: 'POST /dossiers/:id/return-result', roles: INTEGRATOR, unit: u, ok: 200, url: (c) => `/dossiers/${flow(u, c)}/return-result`, body: () => ({ occurredAt: vn('2025-03-04', '10:00') }) },
    { route: 'POST /dossiers/:id/withdraw', roles: INTEGRATOR, unit: u, ok: 200, url: (c) => `/dossiers/${withdrawable(u, c)}/withdraw`, body: () => ({ reason: 'applicant withdrew', occurredAt: vn('2025-03-03', '12:00') }) },
  ]),
  // reads: supervisors (and auditors, admins) for their units; history and as-of views: auditors (and admins)
  ...(['in', 'out'] as const).flatMap((u): Row[] => [
    { route: 'GET /dossiers/:id', roles: READERS, unit: u, ok: 200, url: () => `/dossiers/${READ[u]}` },
    { route: 'GET /dossiers/:id', roles: AUDITORS, unit: u, ok: 200, url: () => `/dossiers/${READ[u]}?asOf=${encodeURIComponent(now())}` },
    { route: 'GET /dossiers/:id/events', roles: AUDITORS, unit: u, ok: 200, url: () => `/dossiers/${READ[u]}/events` },
    { route: 'GET /audit/export/:unitId', roles: AUDITORS, unit: u, ok: 200, url: () => `/audit/export/${UNIT[u]}?from=${encodeURIComponent(vn('2025-01-01', '00:00'))}&to=${encodeURIComponent(vn('2026-01-01', '00:00'))}` },
    { route: 'GET /dossiers', roles: READERS, unit: u, ok: 200, url: () => `/dossiers?unitId=${UNIT[u]}` },
    { route: 'GET /units/:unitId/timeliness', roles: READERS, unit: u, ok: 200, url: () => `/units/${UNIT[u]}/timeliness` },
    { route: 'GET /units/:unitId/timeliness', roles: AUDITORS, unit: u, ok: 200, url: () => `/units/${UNIT[u]}/timeliness?asOf=${encodeURIComponent(now())}` },
    { route: 'GET /units/:unitId/steps', roles: READERS, unit: u, ok: 200, url: () => `/units/${UNIT[u]}/steps` },
    { route: 'GET /units/:unitId/entry-lag', roles: READERS, unit: u, ok: 200, url: () => `/units/${UNIT[u]}/entry-lag` },
    { route: 'GET /units/:unitId/attention', roles: READERS, unit: u, ok: 200, url: () => `/units/${UNIT[u]}/attention?kind=overdue` },
    { route: 'GET /units/:unitId/attention/counts', roles: READERS, unit: u, ok: 200, url: () => `/units/${UNIT[u]}/attention/counts` },
    { route: 'GET /units/:unitId/timeliness/live', roles: READERS, unit: u, ok: 200, url: () => `/units/${UNIT[u]}/timeliness/live` },
    { route: 'GET /units/:unitId/entry-lag/live', roles: READERS, unit: u, ok: 200, url: () => `/units/${UNIT[u]}/entry-lag/live` },
    { route: 'GET /units/:unitId/scorecard', roles: READERS, unit: u, ok: 200, url: () => `/units/${UNIT[u]}/scorecard` },
    { route: 'GET /units/:unitId/scorecard', roles: AUDITORS, unit: u, ok: 200, url: () => `/units/${UNIT[u]}/scorecard?asOf=${encodeURIComponent(now())}` },
  ]),
  { route: 'GET /units/:unitId/timeliness', roles: READERS, unit: 'in', ok: 200, url: () => '/units/D01/timeliness?scope=subtree&groupBy=child' },
  { route: 'GET /units/:unitId/timeliness', roles: READERS, unit: 'out', ok: 200, url: () => '/units/P/timeliness' },
  { route: 'GET /units/:unitId/scorecard', roles: READERS, unit: 'in', ok: 200, url: () => '/units/D01/scorecard?groupBy=child' },
  { route: 'GET /units/:unitId/scorecard', roles: READERS, unit: 'out', ok: 200, url: () => '/units/P/scorecard?groupBy=child' },
  { route: 'GET /dossiers', roles: READERS, ok: 200, url: () => '/dossiers' },
  // reconciliation with a unit's register: supervisors (and auditors, admins) of the unit or above
  ...(['in', 'out'] as const).flatMap((u): Row[] => [
    { route: 'POST /units/:unitId/reconciliations', roles: READERS, unit: u, ok: 201, url: () => `/units/${UNIT[u]}/reconciliations`, contentType: 'text/csv', body: () => `mã hồ sơ,trạng thái\n${READ[u]},đang xử lý\n` },
    { route: 'GET /units/:unitId/reconciliations', roles: READERS, unit: u, ok: 200, url: () => `/units/${UNIT[u]}/reconciliations` },
    { route: 'GET /units/:unitId/reconciliations/:reconciliationId', roles: READERS, unit: u, ok: 200, url: () => `/units/${UNIT[u]}/reconciliations/${reconciliations[u]}` },
  ]),
  // bulk import: a command file, integrators only (its lines are checked against the key's units one by one)
  { route: 'POST /imports', roles: INTEGRATOR, unit: 'in', ok: 200, url: () => '/imports', contentType: 'application/x-ndjson', body: (c) => `${JSON.stringify({ command: 'receive', dossierId: `IMPORT-${c.id}`, procedureCode: 'P-TEN', unitId: UNIT.in, channel: 'online', receivedAt: vn('2025-03-03', '08:00') })}\n` },
  // operations
  { route: 'GET /projections/status', roles: AUDITORS, ok: 200, url: () => '/projections/status' },
  { route: 'POST /projections/rebuild', roles: ADMIN, unit: 'all', ok: 200, url: () => '/projections/rebuild?wait=true' },
  { route: 'GET /metrics', roles: AUDITORS, ok: 200, url: () => '/metrics' },
  // the event feed: a key limited to units sees its units' dossier events (filtered, never 403)
  { route: 'GET /feed', roles: FEED, ok: 200, url: () => '/feed?limit=10' },
  { route: 'GET /feed', roles: FEED, ok: 200, url: () => '/feed?after=0', accept: 'text/event-stream' },
  // the tamper-evident log: the whole log's hashes (no dossier's content), so a scoped key verifies it too
  { route: 'GET /audit/verify', roles: AUDITORS, ok: 200, url: () => '/audit/verify' },
];

/**
 * What the caller must get: the guard's refusal, or the route's own answer. A key's `units` narrow
 * every role alike (src/access/README.md): a D01 auditor or admin key reads D01 and below only, and
 * changes nothing that concerns all units.
 */
function expected(row: Row, c: Caller): number {
  if (row.roles === OPEN) return row.ok;
  if (!c.role) return 401;
  if (!row.roles.includes(c.role)) return 403;
  // Another unit's dossier answers as a missing one (issue 21, finding 6); a unit the key named is 403.
  if (c.scoped && row.unit === 'out' && row.route.includes('/dossiers/:id')) return 404;
  if (c.scoped && (row.unit === 'out' || row.unit === 'all')) return 403;
  return row.ok;
}

const shape = (route: string) => route.replace(/:[^/]+/g, ':');
const registered = new Set(serviceRoutes().map(shape));
const present = (row: Row) => row.raw === true || registered.has(shape(row.route));
const label = (row: Row) => `${row.route.split(' ')[0]} ${row.url({ id: '<caller>' })}${row.unit ? ` (${row.unit === 'all' ? 'all units' : `${row.unit} of D01`})` : ''}`;

describe('access: every route × every role × a key for all units and a key for D01', () => {
  let t: TestApp;
  let base = '';

  beforeAll(async () => {
    // Without the rate limit: the walk makes many refused requests from one address on purpose.
    t = await startTestApp({ SEED_DEMO: 'false', RATE_LIMIT_PER_MINUTE: '0' }, undefined, {
      extraKeys: CALLERS.filter((c) => c.scoped).map((c) => ({ key: c.key!, role: c.role!, units: ['D01'], name: c.id })),
    });
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    const admin = t.as('admin');
    for (const [id, parentId, level] of [['P', undefined, 'province'], ['D01', 'P', 'district'], ['D02', 'P', 'district'], ['C0101', 'D01', 'commune'], ['C0102', 'D01', 'commune'], ['C0201', 'D02', 'commune'], ['C0202', 'D02', 'commune']] as const) {
      expect((await admin.put(`/units/${id}`).send({ name: id, level, ...(parentId ? { parentId } : {}) })).status).toBe(200);
    }
    expect((await admin.put('/procedures/P-TEN').send({ name: 'Ten days', statutoryWorkingDays: 10 })).status).toBe(200);
    const { revision: _, years: _years, ...spec } = (await admin.get('/calendar')).body as Record<string, unknown>;
    calendar = spec;
    if (registered.has('POST /dossiers')) {
      const integrator = t.as('integrator');
      const ids = CALLERS.flatMap((c) => (['in', 'out'] as const).flatMap((u) => [[flow(u, c), UNIT[u]], [withdrawable(u, c), UNIT[u]]]));
      ids.push([READ.in, UNIT.in], [READ.out, UNIT.out]);
      for (const [dossierId, unitId] of ids) {
        const res = await integrator.post('/dossiers').send({ dossierId, procedureCode: 'P-TEN', unitId, channel: 'direct', receivedAt: vn('2025-03-03', '08:00') });
        expect(res.status).toBe(201);
        lastPosition = res.body.position as number;
      }
    }
    if (registered.has('POST /units/:/reconciliations')) {
      for (const u of ['in', 'out'] as const) {
        const res = await admin.post(`/units/${UNIT[u]}/reconciliations`).send([{ dossierId: READ[u], status: 'received' }]);
        expect(res.status).toBe(201);
        reconciliations[u] = res.body.reconciliationId as string;
      }
    }
  });
  afterAll(() => t?.close({ remove: true }));

  async function call(row: Row, c: Caller): Promise<{ status: number; type: string; body: unknown }> {
    const [method] = row.route.split(' ');
    const body = row.body?.(c);
    const abort = new AbortController();
    const res = await fetch(base + row.url(c), {
      method,
      headers: { ...(c.key ? { authorization: `Bearer ${c.key}` } : {}), ...(row.accept ? { accept: row.accept } : {}), ...(body !== undefined ? { 'content-type': row.contentType ?? 'application/json' } : {}) },
      ...(body !== undefined ? { body: row.contentType ? String(body) : JSON.stringify(body) } : {}),
      signal: abort.signal,
    });
    const type = res.headers.get('content-type') ?? '';
    if (type.startsWith('text/event-stream')) {
      abort.abort(); // a live stream answers once its headers are out; no need to wait for events
      return { status: res.status, type, body: undefined };
    }
    const text = await res.text();
    return { status: res.status, type, body: /^application\/(problem\+)?json/.test(type) && text ? JSON.parse(text) : text };
  }

  for (const row of MATRIX) {
    it(label(row), async () => {
      expect(present(row)).toBe(true); // a row whose route the service lost fails, it is not skipped
      const wrong: string[] = [];
      for (const c of CALLERS) {
        const want = expected(row, c);
        const got = await call(row, c);
        if (got.status !== want) {
          wrong.push(`${c.id}: expected ${want}, got ${got.status} ${JSON.stringify(got.body).slice(0, 160)}`);
        } else if (want === 401 || want === 403 || want === 404) {
          const problem = got.body as { code?: string; status?: number };
          const code = want === 401 ? 'UNAUTHENTICATED' : want === 403 ? 'FORBIDDEN' : 'NOT_FOUND';
          if (!got.type.startsWith('application/problem+json') || problem.code !== code || problem.status !== want) {
            wrong.push(`${c.id}: ${want} is not a problem+json ${code}: ${got.type} ${JSON.stringify(got.body)}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it('lists, without a unit, only the dossiers of the units a key reaches', async () => {
    const ids = async (who: Parameters<TestApp['as']>[0]) => {
      const out: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await t.as(who).get(`/dossiers?limit=100&minPosition=${lastPosition}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        out.push(...(res.body.items as { dossierId: string }[]).map((d) => d.dossierId));
        cursor = res.body.nextCursor as string | null;
      } while (cursor);
      return out;
    };
    const everything = await ids('supervisor');
    expect(everything).toEqual(expect.arrayContaining([READ.in, READ.out]));
    for (const role of ['supervisor', 'auditor', 'admin'] as const) {
      const scoped = await ids({ key: `scoped-${role}-D01-api-key` });
      expect(scoped).toContain(READ.in);
      expect(scoped).not.toContain(READ.out);
      expect(scoped.length).toBeLessThan(everything.length);
    }
  });

  it('has a row for every route of the service', () => {
    const covered = new Set(MATRIX.map((row) => shape(row.route)));
    expect([...registered].filter((route) => !covered.has(route))).toEqual([]);
  });
});
