/**
 * Issue 22 over HTTP, real store: 2027 and 2028 provisional in GET /calendar; dues across New Year
 * on the provisional calendar; an official 2027 that differs from the provisional one, then the
 * re-plan (dry run, real run, second run), with the timeliness report before and after.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import type { Clock } from '../../src/common/clock.js';
import { loadConfig } from '../../src/config.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { auth, TEST_KEYS, tempDataDir, type TestRole } from '../support/test-app.js';

/** Local +07:00 instants, as integrators send them. */
const vn = (date: string, time: string) => `${date}T${time}:00+07:00`;
const utc = (date: string, time: string) => new Date(vn(date, time)).toISOString();

/** A clock the test moves by hand. */
class FakeClock implements Clock {
  constructor(private ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
}

describe('the calendar after 2026 (issue 22)', () => {
  const clock = new FakeClock(Date.parse(vn('2026-12-28', '10:30')));
  let app: NestFastifyApplication;
  let dataDir: string;
  const as = (role: TestRole) => {
    const http = request(app.getHttpServer());
    const h = auth(role);
    return { get: (u: string) => http.get(u).set(h), put: (u: string) => http.put(u).set(h), post: (u: string) => http.post(u).set(h) };
  };
  const receive = async (dossierId: string, procedureCode: string, receivedAt: string) => {
    const res = await as('integrator').post('/dossiers').send({ dossierId, procedureCode, unitId: 'TTPVHCC', channel: 'online', receivedAt });
    expect(res.status).toBe(201);
    return res.body as Record<string, unknown>;
  };
  const report = async () => {
    // minPosition: read the report once the read models hold everything stored so far.
    const period = `from=${encodeURIComponent(vn('2026-12-01', '00:00'))}&to=${encodeURIComponent(vn('2027-02-01', '00:00'))}`;
    const res = await as('supervisor').get(`/units/TTPVHCC/timeliness?${period}&scope=self&minPosition=${await head()}`);
    expect(res.status).toBe(200);
    return res.body.rows[0] as { inProgress: { total: number; withinDue: number; overdue: number }; resolved: { total: number; early: number; onTime: number; late: number } };
  };
  const head = async () => (await app.get<EventStore>(EVENT_STORE).headPosition()) ?? 0;

  beforeAll(async () => {
    dataDir = tempDataDir();
    writeFileSync(join(dataDir, 'api-keys.json'), JSON.stringify(Object.entries(TEST_KEYS).map(([role, key]) => ({ key, role, name: `test-${role}` }))));
    app = await createApp(loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, OVERDUE_WATCHER: 'false', SEED_DEMO_HISTORY: 'false' }), { clock });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    expect((await as('admin').put('/procedures/P-5').send({ name: 'Five days', statutoryWorkingDays: 5 })).status).toBe(200);
    expect((await as('admin').put('/procedures/P-30').send({ name: 'Thirty days', statutoryWorkingDays: 30 })).status).toBe(200);
  });
  afterAll(async () => {
    await app.close();
    const { rmSync } = await import('node:fs');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GET /calendar shows 2024-2026 official and 2027-2028 provisional, with the rule\'s days', async () => {
    const res = await as('auditor').get('/calendar');
    expect(res.status).toBe(200);
    const years = res.body.years as { year: number; status: string; basis: string; holidays: string[] }[];
    expect(years.map((y) => [y.year, y.status, y.basis])).toEqual([
      [2024, 'official', 'entered'],
      [2025, 'official', 'entered'],
      [2026, 'official', 'entered'],
      [2027, 'provisional', 'rule'],
      [2028, 'provisional', 'rule'],
    ]);
    // 2027 by rule: 1/1 (Fri); Tết eve Fri 5/2, Tết Sat 6/2 to Tue 9/2, the weekend ones made up
    // Wed 10 and Thu 11/2; Hùng Kings Fri 16/4; 30/4 (Fri), 1/5 (Sat) made up Mon 3/5; 2/9 (Thu)
    // joined by Fri 3/9.
    expect(years[3].holidays).toEqual([
      '2027-01-01', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11',
      '2027-04-16', '2027-04-30', '2027-05-03', '2027-09-02', '2027-09-03',
    ]);
    // The top level is still what PUT /calendar takes: the entered years only.
    expect(res.body.holidays).not.toContain('2027-01-01');
  });

  it('a dossier received Monday 28/12/2026 10:00 for 5 working days is due Tuesday 5/1/2027 10:00, provisionally', async () => {
    // 28, 29, 30, 31 December are working days 1-4; Friday 1/1 is off, then the weekend; Monday
    // 4/1 is day 5, so the due is 10:00 on the next working day (plain weeks would say Monday 4/1).
    const body = await receive('NY-5', 'P-5', vn('2026-12-28', '10:00'));
    expect(body).toMatchObject({ clockStartAt: utc('2026-12-28', '10:00'), dueAt: utc('2027-01-05', '10:00'), calendarProvisional: true });
    const events = (await as('auditor').get('/dossiers/NY-5/events')).body as { type: string; data: Record<string, unknown> }[];
    expect(events[0].data).toMatchObject({ dueAt: utc('2027-01-05', '10:00'), calendarProvisional: true });
    // A due inside an official year says nothing of the kind.
    const inside = await receive('DEC-1', 'P-5', vn('2026-12-01', '09:00'));
    expect(inside.dueAt).toBe(utc('2026-12-08', '09:00'));
    expect(inside).not.toHaveProperty('calendarProvisional');
  });

  it('entering an official 2027 that differs, then re-planning: dry run, real run, second run; report before and after', async () => {
    // Received Tuesday 1/12/2026 09:00, 30 working days: 23 in December (1/12 the first), Friday
    // 1/1 off, 4-8/1 are 24-28, 11/1 is 29 and 12/1 is 30: due 09:00 on the next working day,
    // Wednesday 13/1/2027.
    const a = await receive('RP-A', 'P-30', vn('2026-12-01', '09:00'));
    expect(a.dueAt).toBe(utc('2027-01-13', '09:00'));
    // Closed dossiers with the same clock: never touched by a re-plan.
    await receive('RP-RESOLVED', 'P-30', vn('2026-12-01', '09:00'));
    expect((await as('integrator').post('/dossiers/RP-RESOLVED/resolve').send({ outcome: 'approved', occurredAt: vn('2026-12-28', '10:00') })).status).toBe(200);
    await receive('RP-WITHDRAWN', 'P-30', vn('2026-12-01', '09:00'));
    expect((await as('integrator').post('/dossiers/RP-WITHDRAWN/withdraw').send({ reason: 'citizen asked', occurredAt: vn('2026-12-28', '10:00') })).status).toBe(200);

    // The announcement (hypothetical, in the usual pattern): the rule's days, plus Friday 12/2
    // off to bridge Tết to the weekend, made up on Saturday 9/1.
    clock.set(vn('2026-12-29', '09:00'));
    const provisional2027 = ((await as('admin').get('/calendar')).body.years as { year: number; holidays: string[] }[]).find((y) => y.year === 2027)!;
    const entered = await as('admin').put('/calendar/years/2027').send({
      holidays: [...provisional2027.holidays, '2027-02-12'],
      workingDays: ['2027-01-09'],
      official: true,
      sources: ['hypothetical announcement for the test'],
    });
    expect(entered.status).toBe(200);
    expect(entered.body.years.find((y: { year: number }) => y.year === 2027)).toMatchObject({ status: 'official', basis: 'entered', workingDays: ['2027-01-09'] });
    // Entering a year moves nothing by itself (API.md: dues are in the events).
    expect((await as('supervisor').get('/dossiers/RP-A')).body.dueAt).toBe(utc('2027-01-13', '09:00'));

    // Tuesday 12/1/2027 noon: on the due in force (13/1 09:00) RP-A is within due; NY-5 (due 5/1)
    // and DEC-1 (due 8/12) are overdue.
    clock.set(vn('2027-01-12', '12:00'));
    const before = await report();
    expect(before.inProgress).toMatchObject({ total: 3, overdue: 2, withinDue: 1 });

    const headBefore = await head();
    const dry = await as('admin').post('/calendar/replan?dryRun=true');
    expect(dry.status).toBe(200);
    // With Saturday 9/1 worked, day 30 is Monday 11/1: due Tuesday 12/1 09:00. NY-5 (due 5/1) and
    // DEC-1 are not moved; the closed ones are not even looked at.
    expect(dry.body).toMatchObject({ dryRun: true, examined: 3, conflicts: [] });
    expect(dry.body.replanned).toEqual([{ dossierId: 'RP-A', unitId: 'TTPVHCC', oldDueAt: utc('2027-01-13', '09:00'), newDueAt: utc('2027-01-12', '09:00') }]);
    expect(await head()).toBe(headBefore);

    const real = await as('admin').post('/calendar/replan?dryRun=false');
    expect(real.status).toBe(200);
    expect(real.body.replanned).toHaveLength(1);
    expect(real.body.replanned[0]).toMatchObject({ dossierId: 'RP-A', newDueAt: utc('2027-01-12', '09:00') });
    expect(await head()).toBe(headBefore + 1);

    const events = (await as('auditor').get('/dossiers/RP-A/events')).body as { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[];
    expect(events.at(-1)).toMatchObject({
      type: 'DossierDueReplanned',
      data: { dossierId: 'RP-A', oldDueAt: utc('2027-01-13', '09:00'), newDueAt: utc('2027-01-12', '09:00'), calendarRevision: entered.body.revision, replannedAt: utc('2027-01-12', '12:00') },
      metadata: { actor: 'test-admin' },
    });
    expect(events.at(-1)!.data).not.toHaveProperty('calendarProvisional');
    for (const id of ['RP-RESOLVED', 'RP-WITHDRAWN']) {
      expect(((await as('auditor').get(`/dossiers/${id}/events`)).body as { type: string }[]).map((e) => e.type)).not.toContain('DossierDueReplanned');
    }
    const dossier = (await as('supervisor').get('/dossiers/RP-A')).body;
    expect(dossier).toMatchObject({ dueAt: utc('2027-01-12', '09:00'), appointmentAt: utc('2027-01-12', '09:00'), overdue: true });
    expect(dossier).not.toHaveProperty('calendarProvisional');

    // Run twice: nothing left to move, nothing appended.
    const again = await as('admin').post('/calendar/replan');
    expect(again.body).toMatchObject({ dryRun: false, replanned: [], conflicts: [] });
    expect(await head()).toBe(headBefore + 1);

    // The report from then on: overdue since the re-plan (its new due was already past).
    clock.set(vn('2027-01-12', '12:05'));
    const minPosition = real.body.replanned[0].position as number;
    const after = await report();
    expect(after.inProgress).toMatchObject({ total: 3, overdue: 3, withinDue: 0 });
    const list = (await as('supervisor').get(`/dossiers?unitId=TTPVHCC&overdue=true&minPosition=${minPosition}`)).body;
    expect(JSON.stringify(list)).toContain('RP-A');
    // The log with the re-plan replays to the same figures.
    expect((await as('admin').post('/projections/rebuild?wait=true')).status).toBe(200);
    expect(await report()).toEqual(after);

    // Timeliness on resolution uses the re-planned due: 12/1 12:30 is late (on the old due, 13/1
    // 09:00, it would have been early).
    clock.set(vn('2027-01-12', '12:40'));
    const resolved = await as('integrator').post('/dossiers/RP-A/resolve').send({ outcome: 'approved', occurredAt: vn('2027-01-12', '12:30') });
    expect(resolved.status).toBe(200);
    expect(resolved.body.timeliness).toBe('late');
  });

  it('two re-plans at once move each dossier once (the appends are revision-guarded)', async () => {
    clock.set(vn('2027-01-13', '09:00'));
    const ids = Array.from({ length: 20 }, (_, i) => `RACE-${i}`);
    for (const id of ids) await receive(id, 'P-30', vn('2027-01-13', '08:00'));
    // A correction: Saturday 23/1 worked as well (their dues, late February, come a day earlier).
    const year = ((await as('admin').get('/calendar')).body.years as { year: number; holidays: string[]; workingDays: string[] }[]).find((y) => y.year === 2027)!;
    const put = await as('admin').put('/calendar/years/2027').send({ holidays: year.holidays, workingDays: [...year.workingDays, '2027-01-23'], official: true });
    expect(put.status).toBe(200);
    const [one, two] = await Promise.all([as('admin').post('/calendar/replan'), as('admin').post('/calendar/replan')]);
    expect([one.status, two.status]).toEqual([200, 200]);
    const moved = [...one.body.replanned, ...two.body.replanned].map((r: { dossierId: string }) => r.dossierId).filter((id: string) => id.startsWith('RACE-'));
    expect(moved.sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const types = ((await as('auditor').get(`/dossiers/${id}/events`)).body as { type: string }[]).map((e) => e.type);
      expect([id, types.filter((t) => t === 'DossierDueReplanned').length]).toEqual([id, 1]);
    }
  });

  it('refuses a year entry with days of another year, a bad year, a non-admin, and replan?dryRun=maybe', async () => {
    const admin = as('admin');
    const other = await admin.put('/calendar/years/2028').send({ holidays: ['2027-01-01'], workingDays: [], official: true });
    expect(other.status).toBe(400);
    expect(other.headers['content-type']).toContain('application/problem+json');
    for (const [url, body] of [
      ['/calendar/years/1999', { holidays: [], workingDays: [], official: true }],
      ['/calendar/years/20x8', { holidays: [], workingDays: [], official: true }],
      ['/calendar/years/2028', { holidays: [], workingDays: [] }],
    ] as const) {
      const res = await admin.put(url).send(body);
      expect([url, res.status]).toEqual([url, 400]);
    }
    expect((await as('supervisor').put('/calendar/years/2028').send({ holidays: [], workingDays: [], official: true })).status).toBe(403);
    expect((await as('supervisor').post('/calendar/replan?dryRun=true')).status).toBe(403);
    expect((await admin.post('/calendar/replan?dryRun=maybe')).status).toBe(400);
    const years = (await admin.get('/calendar')).body.years as { year: number; status: string }[];
    expect(years.find((y) => y.year === 2028)).toMatchObject({ status: 'provisional' });
  });

  it('/metrics says how many of the coming 90 days are provisional', async () => {
    clock.set(vn('2027-12-01', '09:00'));
    const metrics = await request(app.getHttpServer()).get('/metrics').set(auth('admin'));
    expect(metrics.status).toBe(200);
    // 2027 is official now; from 1/12/2027 the 90 days reach 28/2/2028: 59 days of 2028.
    expect(metrics.text).toMatch(/^calendar_provisional_days_ahead 59$/m);
  });
});
