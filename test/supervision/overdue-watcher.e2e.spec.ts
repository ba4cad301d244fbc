import { afterEach, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CommandBus } from '@nestjs/cqrs';
import { rmSync } from 'node:fs';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { MarkOverdue } from '../../src/dossier/mark-overdue/mark-overdue.command.js';
import { Projector } from '../../src/projections/projector.js';
import { OverdueWatcher } from '../../src/supervision/overdue-watcher.js';
import { FakeClock } from '../support/fake-clock.js';
import { startTestApp, tempDataDir, type TestApp } from '../support/test-app.js';
import { local, q } from './support/scenario.js';

const overdueEvents = async (app: NestFastifyApplication, dossierId: string) =>
  (await app.get<EventStore>(EVENT_STORE).readStream(`dossier-${dossierId}`)).filter((e) => e.type === 'DossierBecameOverdue');

async function settle(app: NestFastifyApplication): Promise<void> {
  const projector = app.get(Projector);
  await projector.whenCaughtUp();
  for (let i = 0; i < 3; i++) {
    await projector.waitFor((await app.get<EventStore>(EVENT_STORE).headPosition()) ?? 0, 5000);
    await app.get(OverdueWatcher).check();
  }
}

describe('overdue watcher (fake clock, real stack)', () => {
  const dirs: string[] = [];
  const running: TestApp[] = [];
  afterEach(async () => {
    for (const t of running.splice(0)) await t.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  /** The real service on `dir` (a restart if it holds data), its clock the test's. */
  const start = async (dir: string, clock: FakeClock) => {
    const t = await startTestApp({}, dir, { clock });
    running.push(t);
    return t;
  };

  /** The application on a new data directory, its clock at `localTime`. */
  const startFresh = async (localTime: string) => {
    const dir = tempDataDir();
    dirs.push(dir);
    const clock = new FakeClock(local(localTime));
    const t = await start(dir, clock);
    return { t, app: t.app, clock };
  };

  it('marks an open dossier once its due instant passes, never before, and the report sees it', async () => {
    const { t, app, clock } = await startFresh('2026-03-02T09:30:00');
    const received = await t
      .as('integrator')
      .post('/dossiers')
      .send({ dossierId: 'W-1', procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-AN.XA1', channel: 'online', receivedAt: local('2026-03-02T09:00:00') });
    expect(received.status).toBe(201);
    const dueAt = received.body.dueAt as string; // one working day: 2026-03-03 09:00 +07:00

    await settle(app);
    expect(await overdueEvents(app, 'W-1')).toHaveLength(0);
    expect(app.get(OverdueWatcher).status().armedFor).toBe(new Date(Date.parse(dueAt) + 1).toISOString());

    clock.set(dueAt); // at the due instant it is not overdue yet
    await settle(app);
    expect(await overdueEvents(app, 'W-1')).toHaveLength(0);

    clock.set(new Date(Date.parse(dueAt) + 60_000).toISOString());
    await settle(app);
    const marks = await overdueEvents(app, 'W-1');
    expect(marks).toHaveLength(1);
    expect(marks[0].data).toMatchObject({ dossierId: 'W-1', dueAt: new Date(Date.parse(dueAt)).toISOString(), unitId: 'HUYEN-AN.XA1' });

    // More checks, and another instance's command racing with them, write nothing more.
    await Promise.all([app.get(OverdueWatcher).check(), app.get(CommandBus).execute(new MarkOverdue('W-1', clock.now()))]);
    await settle(app);
    expect(await overdueEvents(app, 'W-1')).toHaveLength(1);

    const report = await t.as('supervisor').get(`/units/HUYEN-AN/timeliness${q({ from: local('2026-01-01T00:00:00') })}`);
    expect(report.body.rows[0].inProgress).toEqual({ total: 1, withinDue: 0, overdue: 1, awaitingSupplement: 0 });
    const list = await t.as('supervisor').get('/dossiers?overdue=true');
    expect(list.body.items.map((d: { dossierId: string }) => d.dossierId)).toEqual(['W-1']);
  });

  it('follows the projected batches without being asked: re-arms for an earlier due, keeps its timer for a later one, marks one received already overdue', async () => {
    const { t, app } = await startFresh('2026-03-02T09:30:00');
    const watcher = app.get(OverdueWatcher);
    const receive = async (dossierId: string, procedureCode: string, receivedAt: string) => {
      const answer = await t.as('integrator').post('/dossiers').send({ dossierId, procedureCode, unitId: 'HUYEN-AN.XA1', channel: 'online', receivedAt });
      expect(answer.status).toBe(201);
      await app.get(Projector).waitFor(answer.body.position as number, 5000);
      return answer.body.dueAt as string;
    };
    const eventually = async (what: string, ok: () => boolean | Promise<boolean>) => {
      for (let i = 0; i < 200 && !(await ok()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect([what, await ok()]).toEqual([what, true]);
    };
    const armedFor = (dueAt: string) => new Date(Date.parse(dueAt) + 1).toISOString();

    const longDue = await receive('W-L', 'HT-XNTTHN', local('2026-03-02T09:00:00')); // three working days
    await settle(app);
    expect(watcher.status().armedFor).toBe(armedFor(longDue));
    const shortDue = await receive('W-S', 'HT-KHAISINH', local('2026-03-02T09:10:00')); // one working day: earlier
    await eventually('re-armed for the earlier due', () => watcher.status().armedFor === armedFor(shortDue));
    // No sleep needed: the watcher hears of a committed batch in the same turn as the projector's
    // waiters (receive waits for the batch's position), and with nothing due a pass re-arms at once.
    await receive('W-L2', 'HT-XNTTHN', local('2026-03-02T09:20:00'));
    expect(watcher.status().armedFor).toBe(armedFor(shortDue));
    // Received on the 20th of February: its one working day ran out long ago.
    await receive('W-P', 'HT-KHAISINH', local('2026-02-20T09:00:00'));
    await eventually('marked without a check asked for', async () => (await overdueEvents(app, 'W-P')).length === 1);
    expect(await overdueEvents(app, 'W-S')).toHaveLength(0);
  });

  it('never marks a dossier awaiting a supplement', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const clock = new FakeClock(local('2026-03-02T09:30:00'));
    const t = await start(dir, clock);
    const app = t.app;
    const http = t.as('integrator').post;
    await http('/dossiers').send({ dossierId: 'W-2', procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-AN.XA1', channel: 'online', receivedAt: local('2026-03-02T09:00:00') });
    const asked = await http('/dossiers/W-2/request-supplement').send({ reason: 'page 2', occurredAt: local('2026-03-02T09:20:00') });
    expect(asked.status).toBe(200);
    clock.set(local('2026-03-20T09:00:00'));
    await settle(app);
    expect(await overdueEvents(app, 'W-2')).toHaveLength(0);
  });

  it('at start-up, marks what fell due while the service was down, once', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const clock = new FakeClock(local('2026-03-02T09:30:00'));
    const first = await start(dir, clock);
    for (const id of ['S-1', 'S-2']) {
      const res = await first.as('integrator').post('/dossiers').send({ dossierId: id, procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-BINH.XA1', channel: 'direct', receivedAt: local('2026-03-02T09:00:00') });
      expect(res.status).toBe(201);
    }
    await settle(first.app);
    await first.close();
    running.splice(running.indexOf(first), 1);

    clock.set(local('2026-03-10T08:00:00'));
    const second = (await start(dir, clock)).app;
    // No nudge from the test: the first catch-up after start triggers the check by itself.
    const deadline = Date.now() + 5000;
    while ((await overdueEvents(second, 'S-2')).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await settle(second);
    expect(await overdueEvents(second, 'S-1')).toHaveLength(1);
    expect(await overdueEvents(second, 'S-2')).toHaveLength(1);
  });
});
