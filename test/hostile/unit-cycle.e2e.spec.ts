/**
 * Issue 21, finding 2: the unit tree never holds a cycle that anything walks forever.
 * - PUT /units refuses a parent below the unit however deep the chain (the old check gave up
 *   after 64 levels: 66 units in a chain, then `PUT /units/C0 {"parentId":"C65"}` answered 200
 *   and every later report on C0 spun the process).
 * - A cycle already in a stored log (written by an older version; here written straight into the
 *   store file) is reported at start (a log line, and `cycles` in GET /units): the unit whose
 *   definition closes the loop stands as a root, and reports, lists and scope checks on any unit
 *   of the loop answer promptly.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { Projector } from '../../src/projections/projector.js';
import { startTestApp, tempDataDir, type TestApp } from '../support/test-app.js';

const CHAIN = 66;
const vn = (date: string, time: string) => `${date}T${time}:00+07:00`;
/** Any walk that loops makes a request miss this by far (the old code never answered). */
const PROMPT_MS = 5000;

async function defineChain(t: TestApp): Promise<void> {
  const admin = t.as('admin');
  expect((await admin.put('/units/C0').send({ name: 'C0', level: 'province' })).status).toBe(200);
  for (let i = 1; i < CHAIN; i++) {
    expect((await admin.put(`/units/C${i}`).send({ name: `C${i}`, level: 'office', parentId: `C${i - 1}` })).status).toBe(200);
  }
}

describe('unit tree: a PUT that would close a cycle is refused at any depth', () => {
  let t: TestApp;
  let store: EventStore;
  beforeAll(async () => {
    t = await startTestApp({ SEED_DEMO: 'false', RATE_LIMIT_PER_MINUTE: '0', OVERDUE_WATCHER: 'false' });
    store = t.app.get(EVENT_STORE);
    await defineChain(t);
  });
  afterAll(() => t?.close({ remove: true }));

  it(`refuses C0 below C${CHAIN - 1} at the end of a ${CHAIN}-unit chain with 400, and changes nothing`, async () => {
    const before = await store.headPosition();
    for (const parentId of [`C${CHAIN - 1}`, 'C64', 'C1', 'C0']) {
      const res = await t.as('admin').put('/units/C0').send({ name: 'C0', level: 'province', parentId });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'parentId' })]);
    }
    // A unit in the middle may not go below its own descendants either.
    expect((await t.as('admin').put('/units/C30').send({ name: 'C30', level: 'office', parentId: 'C65' })).status).toBe(400);
    expect(await store.headPosition()).toBe(before);
    const units = await t.as('admin').get('/units');
    expect(units.body.cycles).toBeUndefined();
    expect((await t.as('admin').get('/units/C0')).body.parentId).toBeUndefined();
  });

  it('still moves a unit anywhere that is not below it', async () => {
    expect((await t.as('admin').put('/units/C65').send({ name: 'C65', level: 'office', parentId: 'C0' })).status).toBe(200);
    expect((await t.as('admin').get('/units/C0')).body.children).toEqual(expect.arrayContaining(['C1', 'C65']));
    expect((await t.as('admin').put('/units/C65').send({ name: 'C65', level: 'office', parentId: 'C64' })).status).toBe(200);
  });

  it('two PUTs sent together that would close a loop between them: one is refused', async () => {
    const admin = t.as('admin');
    for (const id of ['A', 'B']) expect((await admin.put(`/units/${id}`).send({ name: id, level: 'district' })).status).toBe(200);
    const answers = await Promise.all([
      admin.put('/units/A').send({ name: 'A', level: 'district', parentId: 'B' }),
      admin.put('/units/B').send({ name: 'B', level: 'district', parentId: 'A' }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
    expect((await admin.get('/units')).body.cycles).toBeUndefined();
  });
});

describe('unit tree: a cycle stored by an older version is reported at start and never walked forever', () => {
  const dir = tempDataDir();
  const env = { SEED_DEMO: 'false', RATE_LIMIT_PER_MINUTE: '0', OVERDUE_WATCHER: 'false', LOG_LEVEL: 'error' };
  const scopedSupervisor = { key: 'supervisor-of-c40-key-0000', role: 'supervisor' as const, units: ['C40'], name: 'sup-c40' };
  const scopedIntegrator = { key: 'integrator-of-c0-key-00000', role: 'integrator' as const, units: ['C0'], name: 'gw-c0' };
  let t: TestApp;
  const logged: string[] = [];

  beforeAll(async () => {
    // A healthy service first: the chain, a procedure, dossiers received along it.
    const first = await startTestApp(env, dir);
    await defineChain(first);
    expect((await first.as('admin').put('/procedures/P-TEN').send({ name: 'Ten days', statutoryWorkingDays: 10 })).status).toBe(200);
    for (const unitId of ['C0', 'C33', 'C65']) {
      const res = await first.as('integrator').post('/dossiers').send({ dossierId: `HS-${unitId}`, procedureCode: 'P-TEN', unitId, channel: 'online', receivedAt: vn('2025-03-03', '08:00') });
      expect(res.status).toBe(201);
    }
    expect((await first.as('integrator').post('/dossiers/HS-C33/transfer').send({ toUnitId: 'C65', allottedWorkingHours: 8, occurredAt: vn('2025-03-03', '09:00') })).status).toBe(200);
    await first.close();

    // What an older version let through: C0 below C65 (a 66-unit loop), and a two-unit loop X <-> Y.
    const store = SqliteEventStore.open({ file: join(dir, 'events.db') });
    const defined = (unitId: string, parentId: string) => ({
      id: randomUUID(),
      type: 'UnitDefined',
      data: { unitId, name: unitId, level: 'office', parentId },
      metadata: { occurredAt: new Date().toISOString(), recordedAt: new Date().toISOString(), actor: 'older-version', commandId: randomUUID(), correlationId: randomUUID(), causationId: randomUUID() },
    });
    await store.append('unit-C0', [defined('C0', `C${CHAIN - 1}`)], 'any');
    await store.append('unit-X', [defined('X', 'Y')], 'any');
    await store.append('unit-Y', [defined('Y', 'X')], 'any');
    await store.close();

    // The service's log lines, from the logger's destination.
    t = await startTestApp(env, dir, { extraKeys: [scopedSupervisor, scopedIntegrator], logDestination: { write: (line) => void logged.push(line) } });
    // The restarted read models may still be catching up on the log: the reports below must see all of it.
    await t.app.get(Projector).whenCaughtUp();
  });
  afterAll(() => t?.close({ remove: true }));

  it('logs the cycles once at start', () => {
    const lines = logged.flatMap((l) => l.split('\n')).filter((l) => l.includes('cycles'));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]) as { level: string; cycles: { unitId: string; parentId: string; cycle: string[] }[] };
    expect(entry.level).toBe('error');
    expect(entry.cycles.map((c) => c.unitId).sort()).toEqual(['C0', 'Y']);
  });

  it('shows them in GET /units and GET /units/{id}; the unit that closes a loop stands as a root', async () => {
    const units = await t.as('supervisor').get('/units').timeout(PROMPT_MS);
    expect(units.status).toBe(200);
    const c0 = (units.body.cycles as { unitId: string; parentId: string; cycle: string[] }[]).find((c) => c.unitId === 'C0')!;
    expect(c0.parentId).toBe(`C${CHAIN - 1}`);
    expect(c0.cycle).toHaveLength(CHAIN);
    expect(c0.cycle.slice(0, 3)).toEqual(['C0', `C${CHAIN - 1}`, `C${CHAIN - 2}`]);
    const one = await t.as('supervisor').get('/units/C0').timeout(PROMPT_MS);
    expect(one.body).toMatchObject({ parentId: `C${CHAIN - 1}`, children: ['C1'], cycle: c0.cycle });
    expect((await t.as('supervisor').get(`/units/C${CHAIN - 1}`)).body.children).toEqual([]);
  });

  it('answers reports, lists and scope checks on every unit of the loops promptly', async () => {
    const sup = t.as('auditor'); // asOf included
    for (const unit of ['C0', 'C33', `C${CHAIN - 1}`, 'X', 'Y']) {
      for (const query of ['', '?groupBy=child', '?groupBy=procedure', '?scope=self', `?asOf=${encodeURIComponent(new Date().toISOString())}`]) {
        const res = await sup.get(`/units/${unit}/timeliness${query}`).timeout(PROMPT_MS);
        expect(res.status).toBe(200);
      }
      expect((await sup.get(`/units/${unit}/steps`).timeout(PROMPT_MS)).status).toBe(200);
      expect((await sup.get(`/dossiers?unitId=${unit}`).timeout(PROMPT_MS)).status).toBe(200);
    }
    // C0 rolls up the whole chain below it (it is the root now): the three dossiers.
    const report = await sup.get('/units/C0/timeliness?from=2025-01-01T00:00:00%2B07:00').timeout(PROMPT_MS);
    expect(report.body.rows[0].received.total).toBe(3);
    const list = await sup.get('/dossiers?unitId=C0').timeout(PROMPT_MS);
    expect((list.body.items as { dossierId: string }[]).map((d) => d.dossierId).sort()).toEqual(['HS-C0', 'HS-C33', 'HS-C65']);
  });

  it('scoped keys on a unit of the loop reach what lies below it and nothing above', async () => {
    const below = t.as(scopedSupervisor);
    expect((await below.get('/units/C65/timeliness').timeout(PROMPT_MS)).status).toBe(200);
    expect((await below.get('/units/C0/timeliness').timeout(PROMPT_MS)).status).toBe(403);
    const listed = await below.get('/dossiers').timeout(PROMPT_MS);
    expect((listed.body.items as { dossierId: string }[]).map((d) => d.dossierId).sort()).toEqual(['HS-C33', 'HS-C65']);
    expect((await below.get('/dossiers/HS-C0').timeout(PROMPT_MS)).status).toBe(404);
    const gw = t.as(scopedIntegrator);
    const received = await gw.post('/dossiers').send({ dossierId: 'HS-NEW', procedureCode: 'P-TEN', unitId: 'C50', channel: 'direct', receivedAt: vn('2025-03-04', '08:00') }).timeout(PROMPT_MS);
    expect(received.status).toBe(201);
    expect((await gw.post('/dossiers').send({ dossierId: 'HS-XY', procedureCode: 'P-TEN', unitId: 'X', channel: 'direct', receivedAt: vn('2025-03-04', '08:00') }).timeout(PROMPT_MS)).status).toBe(403);
    expect((await t.http.get('/health').timeout(PROMPT_MS)).status).toBe(200);
  });

  it('a PUT that gives the unit another parent clears the report; one that keeps the loop is refused', async () => {
    const admin = t.as('admin');
    expect((await admin.put('/units/C0').send({ name: 'C0', level: 'office', parentId: 'C10' })).status).toBe(400);
    expect((await admin.put('/units/ROOT').send({ name: 'Root', level: 'province' })).status).toBe(200);
    expect((await admin.put('/units/C0').send({ name: 'C0', level: 'office', parentId: 'ROOT' })).status).toBe(200);
    const cycles = (await admin.get('/units')).body.cycles as { unitId: string }[];
    expect(cycles.map((c) => c.unitId)).toEqual(['Y']);
    expect((await admin.get('/units/ROOT')).body.children).toEqual(['C0']);
    expect((await admin.get('/units/C0')).body.cycle).toBeUndefined();
  });
});
