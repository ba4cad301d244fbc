/**
 * Issue 21, finding 1 (top end) and finding 7 (PUT /calendar): calendars that would stop the
 * service or empty the holiday list are refused at the edge and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('hostile calendars (issue 21)', () => {
  let t: TestApp;
  let before: Record<string, unknown>;
  beforeAll(async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' });
    before = (await t.as('admin').get('/calendar')).body as Record<string, unknown>;
  });
  afterAll(() => t.close({ remove: true }));

  const expectRefused = (res: { status: number; headers: Record<string, string>; body: { code?: string } }) => {
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe('VALIDATION_FAILED');
  };

  it('office hours of one minute (08:00-08:01) are refused, and a 45-day procedure then gets a sane due', async () => {
    const admin = t.as('admin');
    const res = await admin.put('/calendar').send({ officeHours: [{ start: '08:00', end: '08:01' }] });
    expectRefused(res);
    expect(JSON.stringify(res.body.errors)).toMatch(/at least 60/);
    expect((await admin.get('/calendar')).body).toEqual(before);

    expect((await admin.put('/procedures/P-45').send({ name: 'Forty-five days', statutoryWorkingDays: 45 })).status).toBe(200);
    const received = await t.as('integrator').post('/dossiers').send({
      dossierId: 'HOSTILE-45',
      procedureCode: 'P-45',
      unitId: 'TTPVHCC',
      channel: 'direct',
      receivedAt: '2025-03-03T09:00:00+07:00',
    });
    expect(received.status).toBe(201);
    // 45 working days of 8 office hours from Monday 3 March 2025, 09:00, on the official 2025
    // calendar (7/4 and 30/4-2/5 off, Saturday 26/4 worked): 09:00 of the 46th working day
    // counting 3/3 as the first, Thursday 8 May.
    expect(received.body.dueAt).toBe('2025-05-08T02:00:00.000Z');
    // The service is still there, and so is the read side.
    expect((await t.http.get('/health')).status).toBe(200);
    expect((await t.as('supervisor').get('/dossiers/HOSTILE-45')).status).toBe(200);
  });

  it('a working day shorter than an hour in total is refused too (two half-hour stretches are fine)', async () => {
    const admin = t.as('admin');
    expectRefused(await admin.put('/calendar').send({ officeHours: [{ start: '08:00', end: '08:20' }, { start: '09:00', end: '09:30' }] }));
    expect((await admin.get('/calendar')).body).toEqual(before);
  });

  it('a calendar that leaves 30 days in a row without a working day is refused; a Tết week is normal', async () => {
    const admin = t.as('admin');
    const month: string[] = [];
    for (let d = 1; d <= 31; d++) month.push(`2027-03-${String(d).padStart(2, '0')}`);
    const year = await admin.put('/calendar/years/2027').send({ holidays: month, workingDays: [], official: true });
    expectRefused(year);
    expect(JSON.stringify(year.body.errors)).toMatch(/no working day in the 30 days/);
    const whole = await admin.put('/calendar').send({ holidays: [...(before.holidays as string[]), ...month], workingDays: before.workingDays });
    expectRefused(whole);
    expect((await admin.get('/calendar')).body).toEqual(before);
  });

  it.each([
    ['null', 'null'],
    ['{}', '{}'],
  ])('PUT /calendar with %s is refused and GET /calendar is unchanged', async (_name, raw) => {
    const admin = t.as('admin');
    const res = await admin.put('/calendar').set('Content-Type', 'application/json').send(raw);
    expectRefused(res);
    expect((await admin.get('/calendar')).body).toEqual(before);
  });

  it('PUT /calendar and PUT /calendar/years/{year} still refuse unknown fields', async () => {
    const admin = t.as('admin');
    expectRefused(await admin.put('/calendar').send({ cutoff: '15:00', extra: 1 }));
    expectRefused(await admin.put('/calendar/years/2027').send({ holidays: [], workingDays: [], official: true, extra: 1 }));
    expect((await admin.get('/calendar')).body).toEqual(before);
  });

  it('PUT /calendar with no body at all is refused and GET /calendar is unchanged', async () => {
    const admin = t.as('admin');
    const res = await admin.put('/calendar');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect((await admin.get('/calendar')).body).toEqual(before);
  });

  it('a one-minute calendar already in the log (written by an older version) is not put in force, and the service starts', async () => {
    const store = t.app.get<EventStore>(EVENT_STORE);
    const now = new Date().toISOString();
    await store.append(
      'calendar-default',
      [
        {
          id: randomUUID(),
          type: 'CalendarDefined',
          data: { officeHours: [{ start: '08:00', end: '08:01' }], cutoff: '15:00', holidays: [], workingDays: [] },
          metadata: { occurredAt: now, recordedAt: now, actor: 'old-version', commandId: 'c', correlationId: 'c', causationId: 'c' },
        },
      ],
      'any',
    );
    const dataDir = t.config.dataDir;
    await t.close();
    t = await startTestApp({ OVERDUE_WATCHER: 'false' }, dataDir);
    expect((await t.http.get('/health')).status).toBe(200);
    expect((await t.as('admin').get('/calendar')).body).toEqual(before);
    const received = await t.as('integrator').post('/dossiers').send({
      dossierId: 'HOSTILE-45-AFTER',
      procedureCode: 'P-45',
      unitId: 'TTPVHCC',
      channel: 'direct',
      receivedAt: '2025-03-03T09:00:00+07:00',
    });
    expect(received.status).toBe(201);
    expect(received.body.dueAt).toBe('2025-05-08T02:00:00.000Z');
  });
});
