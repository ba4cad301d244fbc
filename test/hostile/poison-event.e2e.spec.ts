/**
 * Issue 21, finding 1: a DossierReceived dated 1800 (or year 0000) was answered 201, then stopped
 * the process, and every restart after it, since the event stays in the append-only log.
 * Two layers: such instants are refused at the edge (nothing appended), and independently no
 * event in the log can stop the read models: it is quarantined, shown and skipped.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { encodeView } from '../../src/projections/views/view-codec.js';
import { ReadModels, type Row } from '../../src/projections/read-models.js';
import type { DossierView } from '../../src/projections/views/dossier-view.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { startTestApp, tempDataDir, type TestApp } from '../support/test-app.js';

const UNIT = 'HUYEN-AN.XA1';
const OTHER_UNIT = 'HUYEN-BINH.XA1';
const PROCEDURE = 'HT-XNTTHN';
const local = (s: string) => `${s}+07:00`;
const FROM = local('2026-11-01T00:00:00');
const TO = local('2026-12-05T00:00:00');

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close({ remove: true });
  t = undefined;
});

const receive = (dossierId: string, unitId: string, receivedAt: string, channel = 'online') => ({
  dossierId,
  procedureCode: PROCEDURE,
  unitId,
  channel,
  receivedAt,
});

async function post(app: TestApp, path: string, body: object): Promise<{ position: number }> {
  const res = await app.as('integrator').post(path).send(body);
  expect(res.status).toBeLessThan(300);
  return res.body as { position: number };
}

/** The raw DossierReceived an older version stored for an instant it should have refused. */
function poisonReceived(dossierId: string, receivedAt: string) {
  return {
    id: randomUUID(),
    type: 'DossierReceived',
    data: {
      dossierId,
      procedureCode: PROCEDURE,
      unitId: UNIT,
      channel: 'online',
      receivedAt,
      digitized: false,
      statutoryWorkingDays: 3,
      onSupplement: 'restart',
      calendarRevision: 0,
      clockStartAt: receivedAt,
      dueAt: receivedAt,
    },
    metadata: { occurredAt: receivedAt, recordedAt: '2026-12-01T02:00:00.000Z', actor: 'old-version', commandId: 'c', correlationId: 'c', causationId: 'c' },
  };
}

/** Appends events straight into the store file of a stopped service, as an older version wrote them. */
async function appendRaw(dataDir: string, streamId: string, event: ReturnType<typeof poisonReceived>): Promise<number> {
  const store = SqliteEventStore.open({ file: join(dataDir, 'events.db') });
  try {
    return (await store.append(streamId, [event], 'no_stream')).position;
  } finally {
    await store.close();
  }
}

async function head(app: TestApp): Promise<number> {
  return (await app.app.get<EventStore>(EVENT_STORE).headPosition()) ?? 0;
}

async function report(app: TestApp, unitId: string, minPosition: number) {
  const res = await app.as('supervisor').get(`/units/${unitId}/timeliness`).query({ from: FROM, to: TO, scope: 'self', minPosition });
  expect(res.status).toBe(200);
  return res.body.rows[0] as { received: { total: number; online: number; direct: number }; resolved: { total: number } };
}

async function status(app: TestApp) {
  const res = await app.as('auditor').get('/projections/status');
  expect(res.status).toBe(200);
  return res.body as {
    checkpoint: number;
    state: string;
    degraded?: string;
    quarantined: { count: number; items: { position: number; streamId: string; type: string; error: string }[] };
    rebuild: { last: unknown };
  };
}

describe('poison event (issue 21, finding 1)', () => {
  it('instants of 1800, year 0000 or after 2100 are refused with 400 naming the field, and nothing is appended', async () => {
    t = await startTestApp();
    const before = await head(t);
    const refused = [
      ['/dossiers', receive('OLD', UNIT, '1800-01-01T09:00:00+07:00'), 'receivedAt'],
      ['/dossiers', receive('ZERO', UNIT, '0000-01-01T09:00:00+07:00'), 'receivedAt'],
      ['/dossiers', receive('Y2K', UNIT, '1999-12-31T23:59:59Z'), 'receivedAt'],
      ['/dossiers', receive('FAR', UNIT, '2150-01-01T09:00:00+07:00'), 'receivedAt'],
    ] as const;
    for (const [path, body, field] of refused) {
      const res = await t.as('integrator').post(path).send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field })] });
    }
    // Received an hour ago: not due yet, so the overdue watcher appends nothing during the test.
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    await post(t, '/dossiers', receive('D1', UNIT, hourAgo));
    const afterGood = await head(t);
    const now = new Date().toISOString();
    for (const body of [{ occurredAt: '1800-01-01T09:00:00Z' }, { occurredAt: now, newAppointmentAt: '2100-01-01T00:00:00Z' }]) {
      const res = await t.as('integrator').post('/dossiers/D1/apologize').send({ reason: 'r', responsibleUnitId: UNIT, newAppointmentAt: '2099-12-20T09:00:00+07:00', ...body });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe(Object.keys(body).at(-1));
    }
    for (const query of [{ from: '1800-01-01T00:00:00Z' }, { to: '2100-01-02T00:00:00Z' }, { asOf: '0000-01-01T00:00:00Z' }]) {
      const res = await t.as('auditor').get(`/units/${UNIT}/timeliness`).query(query);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe(Object.keys(query)[0]);
    }
    const asOf = await t.as('auditor').get('/dossiers/D1').query({ asOf: '1800-01-01T00:00:00Z' });
    expect(asOf.status).toBe(400);
    expect(asOf.body.errors[0].field).toBe('asOf');
    expect(await head(t)).toBe(afterGood);
    expect(afterGood).toBe(before + 1);
  });

  it('office hours of one minute cannot put a 45-day due instant after 2100: refused, and the service goes on', async () => {
    t = await startTestApp();
    await t.as('admin').put('/procedures/SLOW').send({ name: 'slow', statutoryWorkingDays: 45 }).expect(200);
    const calendar = await t.as('admin').put('/calendar').send({ officeHours: [{ start: '08:00', end: '08:01' }], cutoff: '08:01' });
    // Either the calendar is refused (the calendar's own checks), or the reception it would give.
    const before = await head(t);
    const res = await t.as('integrator').post('/dossiers').send({ ...receive('SLOW1', UNIT, local('2026-12-01T09:00:00')), procedureCode: 'SLOW' });
    if (calendar.status === 200) {
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    } else expect(calendar.status).toBe(400);
    if (res.status !== 201) expect(await head(t)).toBe(before);
    expect((await t.http.get('/health')).status).toBe(200);
    expect((await status(t)).quarantined.count).toBe(0);
  });

  it('a log that already holds such events starts, answers /health, shows them quarantined, and keeps projecting', async () => {
    const dataDir = tempDataDir();
    t = await startTestApp({}, dataDir);
    await post(t, '/dossiers', receive('GOOD1', UNIT, local('2026-12-01T09:00:00')));
    await t.close();
    t = undefined;
    const old = await appendRaw(dataDir, 'dossier-OLD', poisonReceived('OLD', '1800-01-01T02:00:00.000Z'));
    const zero = await appendRaw(dataDir, 'dossier-ZERO', poisonReceived('ZERO', '0000-01-01T02:00:00.000Z'));

    t = await startTestApp({}, dataDir);
    expect((await t.http.get('/health')).status).toBe(200);
    // Later events of other dossiers are projected, in the same unit and elsewhere.
    await post(t, '/dossiers', receive('GOOD2', UNIT, local('2026-12-02T09:00:00'), 'direct'));
    await post(t, '/dossiers', receive('ELSEWHERE', OTHER_UNIT, local('2026-12-02T10:00:00')));
    const last = await post(t, '/dossiers/GOOD1/resolve', { outcome: 'approved', occurredAt: local('2026-12-02T11:00:00') });
    const row = await report(t, UNIT, last.position);
    expect(row.received).toMatchObject({ total: 2, online: 1, direct: 1 });
    expect(row.resolved.total).toBe(1);
    expect((await report(t, OTHER_UNIT, last.position)).received.total).toBe(1);

    const s = await status(t);
    expect(s.state).toBe('running');
    expect(s.checkpoint).toBeGreaterThanOrEqual(last.position);
    expect(s.quarantined.count).toBe(2);
    expect(s.quarantined.items).toEqual(
      expect.arrayContaining([
        { position: old, streamId: 'dossier-OLD', type: 'DossierReceived', error: expect.stringMatching(/receivedAt "1800-01-01/) },
        { position: zero, streamId: 'dossier-ZERO', type: 'DossierReceived', error: expect.stringMatching(/receivedAt/) },
      ]),
    );
    // Every read that meets them answers: the list, as-of reports (replayed from the log), the streams.
    expect((await t.as('supervisor').get('/dossiers').query({ unitId: UNIT })).body.items.map((d: { dossierId: string }) => d.dossierId).sort()).toEqual(['GOOD1', 'GOOD2']);
    const asOf = await t.as('auditor').get(`/units/${UNIT}/timeliness`).query({ from: FROM, to: TO, scope: 'self', asOf: new Date().toISOString() });
    expect(asOf.status).toBe(200);
    expect(asOf.body.rows[0].received).toEqual(row.received);
    expect((await t.as('auditor').get('/dossiers/OLD/events')).status).toBe(200);
    expect((await t.as('auditor').get('/dossiers/ZERO')).status).toBeLessThan(500);
    const metrics = await t.as('admin').get('/metrics');
    expect(metrics.text).toMatch(/^projection_quarantined_events 2$/m);

    // A rebuild meets them again: the same quarantine, the same reports.
    const rebuilt = await t.as('admin').post('/projections/rebuild?wait=true');
    expect(rebuilt.status).toBe(200);
    expect((await status(t)).quarantined.count).toBe(2);
    expect(await report(t, UNIT, last.position)).toEqual(row);

    // And a restart after that starts as well.
    await t.close();
    t = await startTestApp({}, dataDir);
    expect((await t.http.get('/health')).status).toBe(200);
    expect((await status(t)).quarantined.count).toBe(2);
    expect(await report(t, UNIT, last.position)).toEqual(row);
  });

  it('a read-model file holding what an older version committed before it died is rebuilt at start', async () => {
    const dataDir = tempDataDir();
    t = await startTestApp({}, dataDir);
    const good = await post(t, '/dossiers', receive('GOOD1', UNIT, local('2026-12-01T09:00:00')));
    await report(t, UNIT, good.position); // projected before the stop
    await t.close();
    t = undefined;
    const old = await appendRaw(dataDir, 'dossier-OLD', poisonReceived('OLD', '1800-01-01T02:00:00.000Z'));
    // The older version committed the event's view with its checkpoint, then failed on the index.
    const models = ReadModels.open(join(dataDir, 'read-models.db'));
    const view = models.getView('GOOD1')!;
    const at = Date.parse('1800-01-01T02:00:00.000Z');
    const poisoned: DossierView = {
      ...view, dossierId: 'OLD', seq: old, position: old, revision: 0, receivedAt: at, clockStartAt: at, dueAt: at, appointmentAt: at,
      segments: [{ start: at, end: null, due: at }], steps: [{ ...view.steps[0], enteredAt: at }],
    };
    const row: Row = [old, 'OLD', UNIT, UNIT, PROCEDURE, 'received', at, 0, old, encodeView(poisoned)];
    models.commitRows([row], old);
    models.close();

    t = await startTestApp({}, dataDir);
    expect((await t.http.get('/health')).status).toBe(200);
    const later = await post(t, '/dossiers', receive('GOOD2', UNIT, local('2026-12-02T09:00:00')));
    expect(later.position).toBeGreaterThan(good.position);
    expect((await report(t, UNIT, later.position)).received.total).toBe(2);
    const s = await status(t);
    expect(s.quarantined.items).toEqual([expect.objectContaining({ position: old, streamId: 'dossier-OLD' })]);
    expect(s.rebuild.last).not.toBeNull(); // rebuilt from the log at start
  });

  it('a read-model file that can be neither opened nor replaced: the service starts degraded, says so, and answers from memory', async () => {
    const dataDir = tempDataDir();
    // Where the file should be, a directory holding something: SQLite cannot open it, nor can it be removed or replaced.
    mkdirSync(join(dataDir, 'read-models.db'));
    writeFileSync(join(dataDir, 'read-models.db', 'keep'), 'x');
    t = await startTestApp({}, dataDir);
    expect((await t.http.get('/health')).status).toBe(200);
    const last = await post(t, '/dossiers', receive('GOOD1', UNIT, local('2026-12-01T09:00:00')));
    expect((await report(t, UNIT, last.position)).received.total).toBe(1);
    const s = await status(t);
    expect(s.state).toBe('running');
    expect(s.degraded).toMatch(/kept in memory/);
  });
});
