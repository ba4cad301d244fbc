/**
 * Issue 21, finding 8: with the disk full, appends answered 500 INTERNAL while /health said ok,
 * and the projector logged "stopped" every second. Now: 503 STORE_UNAVAILABLE (problem+json),
 * /health 503 while the log cannot be appended to or the projection is stopped, both back by
 * themselves when space returns, and nothing acknowledged lost.
 *
 * The full disk is SQLite's own: `max_page_count` on the connection of the store (or of the read
 * models) makes the file refuse new pages with SQLITE_FULL, as a disk without space does, through
 * the real adapter, filter and health code. Deterministic, and needs no special filesystem.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { Projector } from '../../src/projections/projector.js';
import { connectionOf, fillDisk, freeDisk, receiveAnHourAgo, until } from '../support/full-disk.js';
import { startTestApp, tempDataDir, type TestApp } from '../support/test-app.js';

const receive = receiveAnHourAgo;

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close({ remove: true });
  t = undefined;
});

describe('store unavailable (issue 21, finding 8)', () => {
  it('a full disk: 503 STORE_UNAVAILABLE, /health 503, then both recover by themselves; nothing acknowledged is lost', async () => {
    const dataDir = tempDataDir();
    t = await startTestApp({}, dataDir);
    const store = t.app.get<EventStore>(EVENT_STORE);
    const db = connectionOf(store);
    expect((await t.http.get('/health')).status).toBe(200);

    fillDisk(db);
    const acknowledged: string[] = [];
    let refused: { id: string; body: Record<string, unknown>; headers: Record<string, string> } | undefined;
    const headBefore = await store.headPosition();
    for (let i = 0; i < 200 && refused === undefined; i++) {
      const id = `FULL-${i}`;
      const res = await t.as('integrator').post('/dossiers').set('Idempotency-Key', `key-${id}`).send(receive(id));
      if (res.status === 201) acknowledged.push(id);
      else refused = { id, body: res.body, headers: res.headers as Record<string, string> };
    }
    expect(refused).toBeDefined();
    expect(refused!.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused!.headers['retry-after']).toBe('5');
    expect(refused!.body).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
    expect(JSON.stringify(refused!.body)).not.toMatch(/SQLITE|stack/i);
    const headWhileFull = await store.headPosition();
    expect(headWhileFull).toBe((headBefore ?? 0) + acknowledged.length);

    // While full: every append refused the same way, /health 503 saying why, even after its probe.
    const again = await t.as('integrator').post('/dossiers').send(receive('FULL-again'));
    expect(again.status).toBe(503);
    const health = await t.http.get('/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unavailable', eventStore: { status: 'up', append: 'failing', reason: expect.stringMatching(/SQLITE_FULL/) } });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await t.http.get('/health')).status).toBe(503);

    // Space returns: /health turns by itself, with no append asked of it, and appends work again.
    freeDisk(db);
    const recovered = await until(() => t!.http.get('/health'), (res) => res.status === 200);
    expect(recovered.status).toBe(200);
    expect(recovered.body.eventStore.append).toBe('ok');
    const retried = await t.as('integrator').post('/dossiers').set('Idempotency-Key', `key-${refused!.id}`).send(receive(refused!.id));
    expect(retried.status).toBe(201);

    // Nothing acknowledged is lost, across a restart too; the refused request was stored once, on its retry.
    await t.close();
    t = await startTestApp({}, dataDir);
    for (const id of [...acknowledged, refused!.id]) expect((await t.as('auditor').get(`/dossiers/${id}`)).status).toBe(200);
    expect((await t.as('auditor').get('/dossiers/FULL-again')).status).toBe(404);
    expect(await t.app.get<EventStore>(EVENT_STORE).headPosition()).toBe((headWhileFull ?? 0) + 1);
  }, 30_000);

  it('a stopped projection (its read-model file full): /health 503, then back by itself', async () => {
    t = await startTestApp();
    const projector = t.app.get(Projector);
    await projector.whenCaughtUp();
    const db = connectionOf(projector.readModels);
    fillDisk(db);
    // Appends still succeed (another file); the projection's commits fail until space returns.
    let stopped = false;
    for (let i = 0; i < 200 && !stopped; i++) {
      expect((await t.as('integrator').post('/dossiers').send(receive(`RM-${i}`))).status).toBe(201);
      stopped = (await until(() => t!.http.get('/health'), (res) => res.status === 503, 300)).status === 503;
    }
    expect(stopped).toBe(true);
    const health = await t.http.get('/health');
    expect(health.body).toMatchObject({ status: 'unavailable', eventStore: { append: 'ok' }, projections: { status: 'stopped', reason: expect.stringMatching(/full/i) } });
    const status = await t.as('auditor').get('/projections/status');
    expect(status.body).toMatchObject({ state: 'stopped', stoppedBecause: expect.stringMatching(/full/i) });

    freeDisk(db);
    const recovered = await until(() => t!.http.get('/health'), (res) => res.status === 200);
    expect(recovered.body.projections.status).toBe('running');
    const head = (await t.app.get<EventStore>(EVENT_STORE).headPosition())!;
    await projector.waitFor(head, 5000);
    expect(projector.readModels.getView('RM-0')).toBeDefined();
  }, 30_000);
});
