/**
 * Bad reference data and ids the fuzzer found getting through (issue 21, beyond findings 1-9):
 * a present `null` is not an absent field, a blank name is no name, and `.` / `..` are not ids
 * (URL parsers resolve those path segments away). Each is refused and leaves the log as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('reference data and ids that must be refused', () => {
  let t: TestApp;
  let store: EventStore;

  beforeAll(async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false', RATE_LIMIT_PER_MINUTE: '0' });
    store = t.app.get(EVENT_STORE);
    expect((await t.as('admin').put('/units/P').send({ name: 'Province', level: 'province' })).status).toBe(200);
    expect((await t.as('admin').put('/units/D01').send({ name: 'District', parentId: 'P', level: 'district' })).status).toBe(200);
  });
  afterAll(() => t.close({ remove: true }));

  async function refusedWithoutAppending(send: () => PromiseLike<{ status: number; type?: string; body: { code?: string; errors?: { field: string }[] } }>, field: string) {
    const head = await store.headPosition();
    const res = await send();
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors?.map((e) => e.field)).toContain(field);
    expect(await store.headPosition()).toBe(head);
  }

  it('refuses parentId: null instead of silently making the unit a root', async () => {
    await refusedWithoutAppending(() => t.as('admin').put('/units/D01').send({ name: 'District', parentId: null, level: 'district' }), 'parentId');
    expect((await t.as('supervisor').get('/units/D01')).body).toMatchObject({ parentId: 'P' });
  });

  it('refuses other present nulls on reference data', async () => {
    await refusedWithoutAppending(() => t.as('admin').put('/procedures/P1').send({ name: 'One day', statutoryWorkingDays: 1, onSupplement: null }), 'onSupplement');
    await refusedWithoutAppending(() => t.as('admin').put('/calendar').send({ officeHours: null }), 'officeHours');
  });

  it('refuses blank names of units and procedures', async () => {
    await refusedWithoutAppending(() => t.as('admin').put('/units/X').send({ name: ' \t', level: 'office' }), 'name');
    await refusedWithoutAppending(() => t.as('admin').put('/procedures/X').send({ name: '   ', statutoryWorkingDays: 1 }), 'name');
  });

  it('refuses "." and ".." as ids in bodies and paths, and keeps ids with dots', async () => {
    expect((await t.as('admin').put('/procedures/P1').send({ name: 'One day', statutoryWorkingDays: 1 })).status).toBe(200);
    const receive = (dossierId: string) => ({ dossierId, procedureCode: 'P1', unitId: 'D01', channel: 'online', receivedAt: '2025-03-03T09:00:00+07:00' });
    await refusedWithoutAppending(() => t.as('integrator').post('/dossiers').send(receive('..')), 'dossierId');
    await refusedWithoutAppending(() => t.as('integrator').post('/dossiers').send(receive('.')), 'dossierId');
    await refusedWithoutAppending(() => t.as('admin').put('/units/X').send({ name: 'X', parentId: '..', level: 'office' }), 'parentId');
    await refusedWithoutAppending(() => t.as('admin').put('/units/%2E').send({ name: 'X', level: 'office' }), 'unitId');
    expect((await t.as('integrator').post('/dossiers').send(receive('HS.2025..01'))).status).toBe(201);
  });
});
