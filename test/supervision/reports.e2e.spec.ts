import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CatalogService } from '../../src/catalog/catalog.service.js';
import { naiveCounts, naiveStepRows } from '../projections/support/naive-report.js';
import { FakeClock } from '../support/fake-clock.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { command, dossierHistories, expectInvariant, local, q } from './support/scenario.js';

/**
 * Through the real stack: dossiers posted with the integrators' commands, read back with the
 * supervisors' queries. The demo province: PROVINCE > HUYEN-AN > (HUYEN-AN.BPMC, .VPDKDD, .XA1, ...).
 */
describe('supervision reads over HTTP', () => {
  let t: TestApp;
  let last = 0;
  const period = { from: local('2026-01-01T00:00:00'), to: local('2026-04-01T00:00:00') };
  // The service's now: the defaults and as-of below answer the same whatever day the test runs.
  const clock = new FakeClock(local('2026-12-07T10:00:00'));

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { clock, extraKeys: [{ key: 'district-an-supervisor', role: 'supervisor', units: ['HUYEN-AN'] }] });
    const run = async (path: string, body: Record<string, unknown>) => (last = (await command(t, path, body)).position);
    const receive = (dossierId: string, unitId: string, receivedAt: string, procedureCode = 'HT-KHAISINH', channel = 'online') =>
      run('/dossiers', { dossierId, procedureCode, unitId, channel, receivedAt: local(receivedAt) });
    // Carried over from 2025, apologised, resolved late in January.
    await receive('D-6', 'HUYEN-AN.XA1', '2025-12-29T09:00:00', 'HT-XNTTHN', 'direct');
    await run('/dossiers/D-6/apologize', {
      reason: 'backlog',
      newAppointmentAt: local('2026-01-09T09:00:00'),
      responsibleUnitId: 'HUYEN-AN.XA1',
      occurredAt: local('2025-12-30T09:00:00'),
    });
    await run('/dossiers/D-6/resolve', { outcome: 'approved', occurredAt: local('2026-01-08T10:00:00') });
    // Early.
    await receive('D-1', 'HUYEN-AN.XA1', '2026-03-02T09:00:00');
    await run('/dossiers/D-1/resolve', { outcome: 'approved', occurredAt: local('2026-03-02T15:00:00') });
    // Late at the land office: an allotted step that overran.
    await receive('D-2', 'HUYEN-AN.BPMC', '2026-03-02T09:00:00', 'HT-XNTTHN', 'direct');
    await run('/dossiers/D-2/transfer', { toUnitId: 'HUYEN-AN.VPDKDD', allottedWorkingHours: 4, occurredAt: local('2026-03-02T10:00:00') });
    await run('/dossiers/D-2/transfer', { toUnitId: 'HUYEN-AN.BPMC', occurredAt: local('2026-03-05T09:00:00') });
    await run('/dossiers/D-2/resolve', { outcome: 'refused', occurredAt: local('2026-03-09T10:00:00') });
    // Awaiting a supplement, then supplemented: in progress with a new due.
    await receive('D-3', 'TTPVHCC', '2026-03-02T10:00:00', 'HT-XNTTHN', 'postal');
    await run('/dossiers/D-3/request-supplement', { reason: 'missing page', occurredAt: local('2026-03-02T11:00:00') });
    // Withdrawn.
    await receive('D-4', 'STP-HCTP', '2026-03-02T09:30:00');
    await run('/dossiers/D-4/withdraw', { reason: 'moved away', occurredAt: local('2026-03-03T09:00:00') });
    // Open and overdue long ago.
    await receive('D-5', 'HUYEN-AN.XA2', '2026-01-05T09:00:00');
    await receive('D-7', 'HUYEN-AN.XA2', '2026-02-10T09:00:00', 'HT-KHAISINH', 'postal');
  });
  afterAll(() => t.close({ remove: true }));

  it('the report equals the naive count of the events, for the province, a district and a commune', async () => {
    const catalog = t.app.get(CatalogService);
    const histories = await dossierHistories(t);
    for (const [unitId, scope] of [['PROVINCE', 'subtree'], ['HUYEN-AN', 'subtree'], ['HUYEN-AN.XA1', 'self'], ['TTPVHCC', 'self']] as const) {
      const res = await t.as('supervisor').get(`/units/${unitId}/timeliness${q({ ...period, scope, minPosition: last })}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        unitId,
        from: '2025-12-31T17:00:00.000Z',
        to: '2026-03-31T17:00:00.000Z',
        evaluatedAt: '2026-03-31T17:00:00.000Z',
        groupBy: 'none',
      });
      expect(res.body.rows).toHaveLength(1);
      const { key, ...counts } = res.body.rows[0];
      expect(key).toBe(unitId);
      expectInvariant(counts);
      const units = new Set(scope === 'subtree' ? catalog.subtree(unitId) : [unitId]);
      expect(counts).toEqual(naiveCounts(histories, (u) => units.has(u), Date.parse(period.from), Date.parse(period.to)));
    }
  });

  it('classifies as the events did: early, late with and without apology, withdrawn, awaiting', async () => {
    const res = await t.as('auditor').get(`/units/PROVINCE/timeliness${q(period)}`);
    const [row] = res.body.rows;
    expect(row).toEqual({
      key: 'PROVINCE',
      carriedOver: 1,
      received: { total: 6, online: 3, direct: 1, postal: 2 },
      resolved: { total: 3, early: 1, onTime: 0, late: 2, lateWithApology: 1, lateWithoutApology: 1 },
      withdrawn: 1,
      inProgress: { total: 3, withinDue: 1, overdue: 2, awaitingSupplement: 1 },
      onTimeRate: 1 / 3,
    });
  });

  it('groupBy=child: one row per direct child, with its subtree; groupBy=procedure: one row per procedure', async () => {
    const children = await t.as('supervisor').get(`/units/PROVINCE/timeliness${q({ ...period, groupBy: 'child' })}`);
    const keys = children.body.rows.map((r: { key: string }) => r.key);
    expect(keys).toEqual([...t.app.get(CatalogService).children('PROVINCE')].sort());
    const district = children.body.rows.find((r: { key: string }) => r.key === 'HUYEN-AN');
    expect(district.received.total).toBe(4);
    children.body.rows.forEach(expectInvariant);

    const procedures = await t.as('supervisor').get(`/units/PROVINCE/timeliness${q({ ...period, groupBy: 'procedure' })}`);
    expect(procedures.body.rows.map((r: { key: string }) => r.key)).toEqual(['HT-KHAISINH', 'HT-XNTTHN']);
    expect(procedures.body.rows.map((r: { received: { total: number } }) => r.received.total)).toEqual([4, 2]);
  });

  it('defaults: from 1 January (+07:00) of this year, to now, subtree, no grouping', async () => {
    const res = await t.as('supervisor').get('/units/PROVINCE/timeliness');
    expect(res.status).toBe(200);
    expect(res.body.from).toBe('2025-12-31T17:00:00.000Z');
    expect(res.body.to).toBe(clock.now().toISOString());
    expect(res.body.evaluatedAt).toBe(res.body.to);
    expect(res.body.scope).toBe('subtree');
    expect(res.body.rows).toHaveLength(1);
    // Half a minute into 2027 in Vietnam, still 2026 in UTC: the year is the local one.
    const saved = clock.now();
    clock.set(local('2027-01-01T00:00:30'));
    try {
      const turn = await t.as('supervisor').get('/units/PROVINCE/timeliness');
      expect([turn.body.from, turn.body.to]).toEqual(['2026-12-31T17:00:00.000Z', '2026-12-31T17:00:30.000Z']);
    } finally {
      clock.set(saved.getTime());
    }
  });

  it('the step report: every unit that handled a step, with the overrun at the land office', async () => {
    const res = await t.as('supervisor').get(`/units/HUYEN-AN/steps${q(period)}`);
    expect(res.status).toBe(200);
    const office = res.body.rows.find((r: { unitId: string }) => r.unitId === 'HUYEN-AN.VPDKDD');
    expect(office).toEqual({
      unitId: 'HUYEN-AN.VPDKDD',
      ended: { total: 1, withAllotment: 1, onTime: 0, late: 1 },
      open: { total: 0, withAllotment: 0, overrunning: 0 },
      responsibleForLate: 1,
    });
    const catalog = t.app.get(CatalogService);
    expect(res.body.rows).toEqual(
      naiveStepRows(await dossierHistories(t), new Set(catalog.subtree('HUYEN-AN')), Date.parse(period.from), Date.parse(period.to)),
    );
  });

  it('validates: from before to, instants with offsets, known units, roles and scopes', async () => {
    const bad = await t.as('supervisor').get(`/units/PROVINCE/timeliness${q({ from: local('2026-03-01T00:00:00'), to: local('2026-02-01T00:00:00') })}`);
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.errors).toEqual([{ field: 'to', message: 'to must be after from' }]);

    const noOffset = await t.as('supervisor').get(`/units/PROVINCE/timeliness${q({ from: '2026-03-01T00:00:00', groupBy: 'week' })}`);
    expect(noOffset.status).toBe(400);
    expect(noOffset.body.errors.map((e: { field: string }) => e.field)).toEqual(['from', 'groupBy']);

    expect((await t.as('supervisor').get('/units/NOWHERE/timeliness')).status).toBe(404);
    expect((await t.as('integrator').get('/units/PROVINCE/timeliness')).status).toBe(403);
    expect((await t.as('supervisor').get(`/units/PROVINCE/timeliness${q({ asOf: local('2026-03-01T00:00:00') })}`)).status).toBe(403);

    const scoped = t.as({ key: 'district-an-supervisor' });
    expect((await scoped.get('/units/HUYEN-AN.XA1/timeliness')).status).toBe(200);
    expect((await scoped.get('/units/PROVINCE/timeliness')).status).toBe(403);
    expect((await scoped.get('/units/TTPVHCC/steps')).status).toBe(403);
  });

  it('minPosition: answers once caught up, 503 NOT_CAUGHT_UP after the timeout otherwise', async () => {
    const ok = await t.as('supervisor').get(`/units/PROVINCE/timeliness${q({ minPosition: last })}`);
    expect(ok.status).toBe(200);
    expect(ok.body.position).toBeGreaterThanOrEqual(last);
    const started = Date.now();
    const ahead = await t.as('supervisor').get(`/units/PROVINCE/timeliness${q({ minPosition: last + 1000, timeoutMs: 200 })}`);
    expect(ahead.status).toBe(503);
    expect(ahead.headers['content-type']).toContain('application/problem+json');
    expect(ahead.headers['retry-after']).toBe('1');
    expect(ahead.body.code).toBe('NOT_CAUGHT_UP');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    for (const path of ['/dossiers', '/units/PROVINCE/steps']) {
      expect((await t.as('supervisor').get(`${path}${q({ minPosition: last + 1000, timeoutMs: 0 })}`)).status).toBe(503);
    }
  });

  it('the list: filters, scope, stable order, opaque cursor paging', async () => {
    const all = await t.as('supervisor').get(`/dossiers${q({ minPosition: last })}`);
    expect(all.status).toBe(200);
    expect(all.body.items.map((d: { dossierId: string }) => d.dossierId)).toEqual(['D-6', 'D-1', 'D-2', 'D-3', 'D-4', 'D-5', 'D-7']);
    expect(all.body.nextCursor).toBeNull();

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { dossierId: string }[]; nextCursor: string | null } } = await t
        .as('supervisor')
        .get(`/dossiers${q({ limit: 3, ...(cursor ? { cursor } : {}) })}`);
      pages.push(res.body.items.map((d) => d.dossierId));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual([['D-6', 'D-1', 'D-2'], ['D-3', 'D-4', 'D-5'], ['D-7']]);

    const ids = async (params: Record<string, string>, who: Parameters<TestApp['as']>[0] = 'supervisor') =>
      (await t.as(who).get(`/dossiers${q(params)}`)).body.items.map((d: { dossierId: string }) => d.dossierId);
    expect(await ids({ unitId: 'HUYEN-AN' })).toEqual(['D-6', 'D-1', 'D-2', 'D-5', 'D-7']);
    expect(await ids({ unitId: 'HUYEN-AN', scope: 'self' })).toEqual([]);
    expect(await ids({ unitId: 'HUYEN-AN.XA2', status: 'received', overdue: 'true' })).toEqual(['D-5', 'D-7']);
    expect(await ids({ status: 'awaiting_supplement' })).toEqual(['D-3']);
    expect(await ids({ overdue: 'false', status: 'received' })).toEqual([]);
    expect(await ids({ status: 'withdrawn' })).toEqual(['D-4']);
    expect(await ids({}, { key: 'district-an-supervisor' })).toEqual(['D-6', 'D-1', 'D-2', 'D-5', 'D-7']);
    expect((await t.as({ key: 'district-an-supervisor' }).get('/dossiers?unitId=TTPVHCC')).status).toBe(403);

    const d2 = all.body.items.find((d: { dossierId: string }) => d.dossierId === 'D-2');
    expect(d2).toMatchObject({ unitId: 'HUYEN-AN.BPMC', currentUnitId: 'HUYEN-AN.BPMC', status: 'resolved', timeliness: 'late', overdue: false });
    expect((await t.as('supervisor').get('/dossiers?cursor=nonsense')).body.errors[0].field).toBe('cursor');
    expect((await t.as('supervisor').get('/dossiers?limit=0')).status).toBe(400);
  });

  it('as of an instant: only the events recorded by then (auditors)', async () => {
    // Every event of the setup was recorded at the clock's instant.
    const before = new Date(clock.now().getTime() - 3_600_000).toISOString();
    const asOf = await t.as('auditor').get(`/units/PROVINCE/timeliness${q({ ...period, asOf: before })}`);
    expect(asOf.status).toBe(200);
    expect(asOf.body.asOf).toBe(new Date(Date.parse(before)).toISOString());
    expect(asOf.body.rows[0].received.total).toBe(0);
    const now = await t.as('auditor').get(`/units/PROVINCE/timeliness${q({ ...period, asOf: new Date(clock.now().getTime() + 1000).toISOString() })}`);
    const live = await t.as('auditor').get(`/units/PROVINCE/timeliness${q(period)}`);
    expect(now.body.rows).toEqual(live.body.rows);
  });

  it('projections: status for auditors, rebuild for admins, same answers after it', async () => {
    const status = await t.as('auditor').get('/projections/status');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ lag: 0, caughtUp: true });
    expect(status.body.checkpoint).toBe(status.body.headPosition);
    expect((await t.as('auditor').post('/projections/rebuild')).status).toBe(403);

    const before = await t.as('supervisor').get(`/units/PROVINCE/timeliness${q({ ...period, groupBy: 'child' })}`);
    const rebuilt = await t.as('admin').post('/projections/rebuild?wait=true');
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body).toMatchObject({ status: 'done', position: status.body.headPosition });
    const after = await t.as('supervisor').get(`/units/PROVINCE/timeliness${q({ ...period, groupBy: 'child' })}`);
    expect(after.body.rows).toEqual(before.body.rows);
    expect((await t.as('auditor').get('/projections/status')).body.rebuild.last.events).toBeGreaterThan(0);
  });
});
