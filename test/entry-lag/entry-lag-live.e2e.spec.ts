import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../support/fake-clock.js';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';
import { command, local, q } from '../supervision/support/scenario.js';
import { SseClient } from '../supervision/support/sse.js';

type Frame = { rows: { key: string; events: number; maxMinutes: number | null }[] };

/** GET /units/{id}/entry-lag/live: the entry-lag report at connect, then again each time its rows change. */
describe('live entry lag (Server-Sent Events)', () => {
  let t: TestApp;
  let port: number;
  const clock = new FakeClock(local('2026-03-02T09:00:00'));
  const clients: SseClient[] = [];
  const open = (path: string, role: Parameters<typeof auth>[0] = 'supervisor') => {
    const c = new SseClient(port, path, auth(role));
    clients.push(c);
    return c;
  };
  const receive = (dossierId: string, unitId: string, receivedAt: string) =>
    command(t, '/dossiers', { dossierId, procedureCode: 'HT-KHAISINH', unitId, channel: 'direct', receivedAt: local(receivedAt) });

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { clock });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await t.close({ remove: true });
  });

  const from = local('2026-03-01T00:00:00');

  it('pushes the report at connect, then again when an entry of its units changes it', async () => {
    const live = open(`/units/HUYEN-BINH/entry-lag/live${q({ from, groupBy: 'child' })}`);
    await live.connected;
    expect(live.status).toBe(200);
    expect(live.contentType).toContain('text/event-stream');
    const [first] = await live.waitFor(1);
    expect(first.event).toBe('entry-lag');
    expect((first.data as Frame).rows.every((r) => r.events === 0)).toBe(true);

    clock.set(local('2026-03-02T09:45:00'));
    await receive('EL-1', 'HUYEN-BINH.XA1', '2026-03-02T09:00:00'); // 45 minutes late
    const [, second] = await live.waitFor(2);
    expect((second.data as Frame).rows.find((r) => r.key === 'HUYEN-BINH.XA1')).toMatchObject({ events: 1, maxMinutes: 45 });
    expect(Number(second.id)).toBeGreaterThan(Number(first.id));

    // An entry of another district is not this stream's business. Barrier: a later entry of this
    // district; the stream's next frame is that one's, counting it and EL-1 only.
    await receive('EL-2', 'HUYEN-AN.XA1', '2026-03-02T09:00:00');
    const marker = await receive('EL-3', 'HUYEN-BINH.XA2', '2026-03-02T09:40:00');
    const third = await live.waitForPosition(marker.position);
    expect(live.events.map((e) => (e.data as Frame).rows.reduce((n, r) => n + r.events, 0))).toEqual([0, 1, 2]);
    expect(live.events[2]).toBe(third);
    live.close();
  });

  it('answers 400 before streaming when the query is wrong, 404 for unknown units, 403 outside the key', async () => {
    const bad = await t.as('supervisor').get(`/units/PROVINCE/entry-lag/live${q({ groupBy: 'procedure' })}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'groupBy' })]);
    expect((await t.as('auditor').get(`/units/PROVINCE/entry-lag/live${q({ asOf: from })}`)).status).toBe(400);
    expect((await t.as('supervisor').get('/units/NOWHERE/entry-lag/live')).status).toBe(404);
    expect((await t.as('integrator').get('/units/PROVINCE/entry-lag/live')).status).toBe(403);
  });
});
