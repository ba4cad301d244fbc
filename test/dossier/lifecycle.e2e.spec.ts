import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeClock } from '../support/fake-clock.js';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';

/** Local +07:00 instants, as integrators send them. */
const vn = (date: string, time: string) => `${date}T${time}:00+07:00`;
const utc = (date: string, time: string) => new Date(vn(date, time)).toISOString();

describe('dossier lifecycle over HTTP (API.md, DOMAIN.md)', () => {
  let t: TestApp;
  let seq = 0;
  const nextId = () => `HS-${++seq}`;
  const integrator = auth('integrator');
  /** The service's now (recordedAt, as-of): set by hand, the same whatever day the test runs. */
  const clock = new FakeClock('2026-12-07T03:00:00Z');

  const receive = (body: Record<string, unknown>) =>
    t.http.post('/dossiers').set(integrator).send({ procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'online', ...body });
  const command = (id: string, verb: string, body: Record<string, unknown>) =>
    t.http.post(`/dossiers/${id}/${verb}`).set(integrator).send(body);

  beforeAll(async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' }, undefined, { clock });
  });
  afterAll(() => t.close({ remove: true }));

  describe('deadline arithmetic (worked examples of DOMAIN.md)', () => {
    it('clock start Monday 08:00, 3 working days: due Wednesday 17:00', async () => {
      const res = await receive({ dossierId: nextId(), receivedAt: vn('2025-03-03', '08:00') });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        status: 'received',
        revision: 0,
        clockStartAt: utc('2025-03-03', '08:00'),
        dueAt: utc('2025-03-05', '17:00'),
        appointmentAt: utc('2025-03-05', '17:00'),
        unitId: 'TTPVHCC',
        currentUnitId: 'TTPVHCC',
      });
      expect(typeof res.body.position).toBe('number');
    });

    it('clock start Monday 09:00, 3 working days: due Thursday 09:00', async () => {
      const res = await receive({ dossierId: nextId(), receivedAt: vn('2025-03-03', '09:00') });
      expect(res.body.dueAt).toBe(utc('2025-03-06', '09:00'));
    });

    it('received after the 15:00 cutoff starts at the next working day opening', async () => {
      const res = await receive({ dossierId: nextId(), receivedAt: vn('2025-03-07', '15:30'), channel: 'postal' });
      expect(res.body.clockStartAt).toBe(utc('2025-03-10', '08:00')); // Friday -> Monday
      expect(res.body.dueAt).toBe(utc('2025-03-12', '17:00'));
    });

    it('received during the lunch break starts at 13:00 the same day', async () => {
      const res = await receive({ dossierId: nextId(), receivedAt: vn('2025-03-04', '12:20'), channel: 'direct' });
      expect(res.body.clockStartAt).toBe(utc('2025-03-04', '13:00'));
    });

    it('a dossier spanning Tết 2025 skips the five days off', async () => {
      const res = await receive({ dossierId: nextId(), receivedAt: vn('2025-01-24', '08:00') });
      // Friday 24/1 counts one day; 27-31/1 are off; due at the end of Tuesday 4/2.
      expect(res.body.dueAt).toBe(utc('2025-02-04', '17:00'));
    });
  });

  describe('the lifecycle', () => {
    it('transfer with an allotment gives the step its own due instant', async () => {
      const id = nextId();
      await receive({ dossierId: id, receivedAt: vn('2025-03-03', '08:00') });
      const res = await command(id, 'transfer', { toUnitId: 'VPDKDD', allottedWorkingHours: 4, occurredAt: vn('2025-03-03', '10:00') });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ currentUnitId: 'VPDKDD', revision: 1, stepDueAt: utc('2025-03-03', '15:00') });
    });

    it('classifies early, on time and late, and names the unit whose step overran', async () => {
      const early = nextId();
      await receive({ dossierId: early, receivedAt: vn('2025-03-03', '08:00') });
      expect((await command(early, 'resolve', { outcome: 'approved', occurredAt: vn('2025-03-04', '16:00') })).body.timeliness).toBe('early');

      const onTime = nextId();
      await receive({ dossierId: onTime, receivedAt: vn('2025-03-03', '08:00') });
      expect((await command(onTime, 'resolve', { outcome: 'refused', occurredAt: vn('2025-03-05', '17:00') })).body.timeliness).toBe('on_time');

      const late = nextId();
      await receive({ dossierId: late, receivedAt: vn('2025-03-03', '08:00') });
      await command(late, 'transfer', { toUnitId: 'VPDKDD', allottedWorkingHours: 8, occurredAt: vn('2025-03-03', '09:00') });
      await command(late, 'transfer', { toUnitId: 'TTPVHCC', occurredAt: vn('2025-03-05', '09:00') });
      const res = await command(late, 'resolve', { outcome: 'approved', occurredAt: vn('2025-03-06', '08:30') });
      expect(res.body).toMatchObject({ status: 'resolved', timeliness: 'late', responsibleUnitIds: ['VPDKDD'] });
      const returned = await command(late, 'return-result', { occurredAt: vn('2025-03-06', '10:00') });
      expect(returned.body.status).toBe('returned');
    });

    it('supplement restarts the clock in full by default', async () => {
      const id = nextId();
      await receive({ dossierId: id, receivedAt: vn('2025-03-03', '08:00') });
      const asked = await command(id, 'request-supplement', { reason: 'thiếu giấy tờ', occurredAt: vn('2025-03-04', '08:00') });
      expect(asked.body.status).toBe('awaiting_supplement');
      const res = await command(id, 'supplement', { occurredAt: vn('2025-03-10', '14:00') });
      expect(res.body).toMatchObject({ status: 'received', clockStartAt: utc('2025-03-10', '14:00'), dueAt: utc('2025-03-13', '14:00') });
      const again = await command(id, 'request-supplement', { reason: 'again', occurredAt: vn('2025-03-11', '08:00') });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('ILLEGAL_TRANSITION');
    });

    it('supplement resumes with the office time that was left when the procedure says pause', async () => {
      const id = nextId();
      await t.http.put('/procedures/P-PAUSE').set(auth('admin')).send({ name: 'pause', statutoryWorkingDays: 2, onSupplement: 'pause' });
      await receive({ dossierId: id, procedureCode: 'P-PAUSE', receivedAt: vn('2025-03-03', '08:00') });
      await command(id, 'request-supplement', { reason: 'x', occurredAt: vn('2025-03-03', '14:00') }); // 5 h used, 11 h left
      const res = await command(id, 'supplement', { occurredAt: vn('2025-03-05', '08:00') });
      expect(res.body.dueAt).toBe(utc('2025-03-06', '11:00'));
    });

    it('an apology moves the appointment, not the due instant, and is flagged when issued too late', async () => {
      const id = nextId();
      await receive({ dossierId: id, receivedAt: vn('2025-03-03', '08:00') });
      const res = await command(id, 'apologize', {
        reason: 'chậm thẩm định',
        newAppointmentAt: vn('2025-03-10', '16:00'),
        responsibleUnitId: 'VPDKDD',
        occurredAt: vn('2025-03-05', '09:00'),
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ dueAt: utc('2025-03-05', '17:00'), appointmentAt: utc('2025-03-10', '16:00') });
      expect(res.body.apology.issuedInTime).toBe(false);
      const twice = await command(id, 'apologize', { reason: 'x', newAppointmentAt: vn('2025-03-11', '16:00'), responsibleUnitId: 'VPDKDD', occurredAt: vn('2025-03-05', '10:00') });
      expect(twice.status).toBe(409);
    });

    it('withdrawal only before resolution; return only after it', async () => {
      const id = nextId();
      await receive({ dossierId: id, receivedAt: vn('2025-03-03', '08:00') });
      expect((await command(id, 'return-result', { occurredAt: vn('2025-03-03', '09:00') })).status).toBe(409);
      expect((await command(id, 'withdraw', { reason: 'citizen asked', occurredAt: vn('2025-03-03', '09:00') })).body.status).toBe('withdrawn');
      expect((await command(id, 'resolve', { outcome: 'approved', occurredAt: vn('2025-03-03', '10:00') })).status).toBe(409);
    });
  });

  describe('the calendar', () => {
    it('a calendar change never moves the due instant of a dossier already received', async () => {
      const id = nextId();
      const before = await receive({ dossierId: id, receivedAt: vn('2025-03-03', '08:00') });
      const calendar = (await t.http.get('/calendar').set(auth('admin'))).body;
      const put = await t.http.put('/calendar').set(auth('admin')).send({ holidays: [...calendar.holidays, '2025-03-04'], workingDays: calendar.workingDays });
      expect(put.status).toBe(200);
      expect((await t.http.get(`/dossiers/${id}`).set(auth('supervisor'))).body.dueAt).toBe(before.body.dueAt);
      // A dossier received after the change uses the new calendar: 4/3 is now a day off.
      const after = await receive({ dossierId: nextId(), receivedAt: vn('2025-03-03', '08:00') });
      expect(after.body.dueAt).toBe(utc('2025-03-06', '17:00'));
      await t.http.put('/calendar').set(auth('admin')).send({ holidays: calendar.holidays, workingDays: calendar.workingDays });
    });
  });

  describe('reads and audit', () => {
    it('GET /dossiers/{id} and /events give the state and the full history with metadata', async () => {
      const id = nextId();
      await receive({ dossierId: id, receivedAt: vn('2025-03-03', '08:00') });
      await command(id, 'transfer', { toUnitId: 'VPDKDD', occurredAt: vn('2025-03-03', '09:00') });
      const state = await t.http.get(`/dossiers/${id}`).set(auth('supervisor'));
      expect(state.status).toBe(200);
      expect(state.body).toMatchObject({ dossierId: id, status: 'received', unitId: 'TTPVHCC', currentUnitId: 'VPDKDD', revision: 1, overdue: true });
      const events = await t.http.get(`/dossiers/${id}/events`).set(auth('auditor'));
      expect(events.body.map((e: { type: string }) => e.type)).toEqual(['DossierReceived', 'DossierTransferred']);
      expect(Object.keys(events.body[1].metadata).sort()).toEqual(['actor', 'causationId', 'commandId', 'correlationId', 'hash', 'occurredAt', 'recordedAt']);
      expect(events.body[1].metadata.occurredAt).toBe(utc('2025-03-03', '09:00'));
      expect(events.body[1].metadata.actor).not.toContain('test-integrator-secret');
      expect((await t.http.get('/dossiers/NOPE').set(auth('auditor'))).status).toBe(404);
    });

    it('asOf shows the dossier as known then', async () => {
      const id = nextId();
      await receive({ dossierId: id, receivedAt: vn('2025-03-03', '08:00') });
      clock.advance(1000);
      const between = clock.now().toISOString();
      clock.advance(1000);
      await command(id, 'resolve', { outcome: 'approved', occurredAt: vn('2025-03-04', '08:00') });
      const then = await t.http.get(`/dossiers/${id}`).query({ asOf: between }).set(auth('auditor'));
      expect(then.body).toMatchObject({ status: 'received', revision: 0 });
      const now = await t.http.get(`/dossiers/${id}`).set(auth('auditor'));
      expect(now.body).toMatchObject({ status: 'resolved', revision: 1 });
      expect((await t.http.get(`/dossiers/${id}`).query({ asOf: '2000-01-01T00:00:00Z' }).set(auth('auditor'))).status).toBe(404);
    });
  });
});
