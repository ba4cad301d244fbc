import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auth, startTestApp, type TestApp } from './support/test-app.js';
import { PROCEDURE_STREAM_PREFIX } from '../src/catalog/events.js';
import { EVENT_STORE, type EventStore } from '../src/event-store/event-store.port.js';
import { FakeClock } from './support/fake-clock.js';

describe('reference data', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close({ remove: true }));

  it('seeds the civil-service calendar and a demo province on first start', async () => {
    const cal = await t.http.get('/calendar').set(auth('admin'));
    expect(cal.status).toBe(200);
    expect(cal.body.holidays).toContain('2026-02-17');
    expect(cal.body.workingDays).toContain('2025-04-26');
    expect(cal.body.cutoff).toBe('15:00');
    const units = await t.http.get('/units').set(auth('admin'));
    expect(units.body.units.length).toBeGreaterThan(20);
    const proc = await t.http.get('/procedures/DN-THANHLAP').set(auth('admin'));
    expect(proc.body).toMatchObject({ code: 'DN-THANHLAP', statutoryWorkingDays: 3, onSupplement: 'restart' });
  });

  it('PUT /units defines a unit below an existing parent and GET returns it with its children', async () => {
    const put = await t.http.put('/units/X1').set(auth('admin')).send({ name: 'Xã Mới', parentId: 'HUYEN-AN', level: 'commune' });
    expect(put.status).toBe(200);
    const parent = await t.http.get('/units/HUYEN-AN').set(auth('admin'));
    expect(parent.body.children).toContain('X1');
    const moved = await t.http.put('/units/X1').set(auth('admin')).send({ name: 'Xã Mới', parentId: 'HUYEN-BINH', level: 'commune' });
    expect(moved.status).toBe(200);
    expect((await t.http.get('/units/HUYEN-AN').set(auth('admin'))).body.children).not.toContain('X1');
    expect((await t.http.get('/units/HUYEN-BINH').set(auth('admin'))).body.children).toContain('X1');
  });

  it('refuses an unknown parent (404), a cycle (400), a bad level and a bad id (400)', async () => {
    expect((await t.http.put('/units/X2').set(auth('admin')).send({ name: 'a', parentId: 'NOPE', level: 'commune' })).status).toBe(404);
    const cycle = await t.http.put('/units/PROVINCE').set(auth('admin')).send({ name: 'p', parentId: 'HUYEN-AN.XA1', level: 'province' });
    expect(cycle.status).toBe(400);
    const level = await t.http.put('/units/X3').set(auth('admin')).send({ name: 'a', level: 'village' });
    expect(level.status).toBe(400);
    expect(level.headers['content-type']).toContain('application/problem+json');
    expect(level.body.errors[0].field).toBe('level');
    expect((await t.http.put('/units/bad%20id').set(auth('admin')).send({ name: 'a', level: 'commune' })).status).toBe(400);
    expect((await t.http.get('/units/X3').set(auth('admin'))).status).toBe(404);
  });

  it('PUT /procedures accepts fractional days and defaults onSupplement to restart', async () => {
    const put = await t.http.put('/procedures/P-HALF').set(auth('admin')).send({ name: 'Half a day', statutoryWorkingDays: 0.5 });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ code: 'P-HALF', name: 'Half a day', statutoryWorkingDays: 0.5, onSupplement: 'restart' });
    expect((await t.http.put('/procedures/P-BAD').set(auth('admin')).send({ name: 'x', statutoryWorkingDays: -1 })).status).toBe(400);
    expect((await t.http.put('/procedures/P-BAD').set(auth('admin')).send({ name: 'x', statutoryWorkingDays: 1, extra: 1 })).status).toBe(400);
  });

  it('PUT /calendar replaces the calendar and refuses overlapping office hours', async () => {
    const bad = await t.http.put('/calendar').set(auth('admin')).send({ officeHours: [{ start: '08:00', end: '12:00' }, { start: '11:00', end: '17:00' }] });
    expect(bad.status).toBe(400);
    const put = await t.http.put('/calendar').set(auth('admin')).send({ holidays: ['2027-01-01'], cutoff: '16:00' });
    expect(put.status).toBe(200);
    const cal = await t.http.get('/calendar').set(auth('admin'));
    expect(cal.body).toMatchObject({ holidays: ['2027-01-01'], workingDays: [], cutoff: '16:00' });
    expect(cal.body.officeHours).toEqual([{ start: '08:00', end: '12:00' }, { start: '13:00', end: '17:00' }]);
  });

  it('keeps reference data across a restart', async () => {
    const dataDir = t.config.dataDir;
    await t.close();
    t = await startTestApp({}, dataDir);
    expect((await t.http.get('/units/X1').set(auth('admin'))).body.parentId).toBe('HUYEN-BINH');
    expect((await t.http.get('/calendar').set(auth('admin'))).body.cutoff).toBe('16:00');
  });
});

describe('reference data on the service clock', () => {
  it('stamps a catalog event with the injected clock, not the machine clock', async () => {
    const clock = new FakeClock('2031-05-06T03:04:05.000Z');
    const t = await startTestApp({}, undefined, { clock });
    try {
      expect((await t.http.put('/procedures/P-CLOCK').set(auth('admin')).send({ name: 'Clocked', statutoryWorkingDays: 1 })).status).toBe(200);
      const [event] = await t.app.get<EventStore>(EVENT_STORE).readStream(`${PROCEDURE_STREAM_PREFIX}P-CLOCK`);
      expect(event.metadata).toMatchObject({ occurredAt: '2031-05-06T03:04:05.000Z', recordedAt: '2031-05-06T03:04:05.000Z' });
    } finally {
      await t.close({ remove: true });
    }
  });
});
