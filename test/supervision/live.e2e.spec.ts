import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';
import { command, local, q } from './support/scenario.js';
import { SseClient } from './support/sse.js';

describe('live timeliness (Server-Sent Events)', () => {
  let t: TestApp;
  let port: number;
  const clients: SseClient[] = [];
  const open = (path: string, role: Parameters<typeof auth>[0] = 'supervisor') => {
    const c = new SseClient(port, path, auth(role));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await t.close({ remove: true });
  });

  const from = local('2026-01-01T00:00:00');

  it('pushes the report at connect, then again when it changes; ends when the client leaves', async () => {
    const live = open(`/units/HUYEN-BINH/timeliness/live${q({ from })}`);
    await live.connected;
    expect(live.status).toBe(200);
    expect(live.contentType).toContain('text/event-stream');
    const [first] = await live.waitFor(1);
    expect(first.event).toBe('timeliness');
    expect((first.data as { rows: { received: { total: number } }[] }).rows[0].received.total).toBe(0);

    await command(t, '/dossiers', { dossierId: 'L-1', procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-BINH.XA1', channel: 'direct', receivedAt: local('2026-03-02T09:00:00') });
    const [, second] = await live.waitFor(2);
    const row = (second.data as { rows: { received: { total: number }; inProgress: { total: number } }[] }).rows[0];
    expect(row.received.total).toBe(1);
    expect(row.inProgress.total).toBe(1);
    expect(Number(second.id)).toBeGreaterThan(Number(first.id));

    // A change in another district is not this stream's business.
    await command(t, '/dossiers', { dossierId: 'L-2', procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-AN.XA1', channel: 'direct', receivedAt: local('2026-03-02T09:00:00') });
    // Barrier: a later change of this district; the stream's next event is that one's, counting it and L-1 only.
    const marker = await command(t, '/dossiers', { dossierId: 'L-4', procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-BINH.XA1', channel: 'direct', receivedAt: local('2026-03-02T10:00:00') });
    const third = await live.waitForPosition(marker.position);
    expect(live.events.map((e) => (e.data as { rows: { received: { total: number } }[] }).rows[0].received.total)).toEqual([0, 1, 2]);
    expect(live.events[2]).toBe(third);

    live.close();
  });

  it('a resolution moves the dossier from in progress to resolved on the stream', async () => {
    const live = open(`/units/HUYEN-AN.XA3/timeliness/live${q({ from, scope: 'self' })}`);
    await live.waitFor(1);
    await command(t, '/dossiers', { dossierId: 'L-3', procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-AN.XA3', channel: 'online', receivedAt: local('2026-03-02T09:00:00') });
    await live.waitFor(2);
    await command(t, '/dossiers/L-3/resolve', { outcome: 'approved', occurredAt: local('2026-03-02T16:00:00') });
    const events = await live.waitFor(3);
    const last = (events[events.length - 1].data as { rows: { resolved: { early: number }; inProgress: { total: number } }[] }).rows[0];
    expect(last.resolved.early).toBe(1);
    expect(last.inProgress.total).toBe(0);
    live.close();
  });

  it('answers 400 as problem+json before streaming when the query is wrong, 404 for unknown units', async () => {
    const bad = await t.as('supervisor').get(`/units/PROVINCE/timeliness/live${q({ from: 'yesterday' })}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('from');
    const asOf = await t.as('auditor').get(`/units/PROVINCE/timeliness/live${q({ asOf: local('2026-01-01T00:00:00') })}`);
    expect(asOf.status).toBe(400);
    expect((await t.as('supervisor').get('/units/NOWHERE/timeliness/live')).status).toBe(404);
  });

  it('application shutdown ends open streams (nothing hangs)', async () => {
    const other = await startTestApp();
    await other.app.listen(0, '127.0.0.1');
    const live = new SseClient((other.app.getHttpServer().address() as AddressInfo).port, `/units/PROVINCE/timeliness/live`, auth('supervisor'));
    await live.waitFor(1);
    const closing = other.close({ remove: true });
    await live.waitForEnd();
    await closing;
    expect(live.ended).toBe(true);
  });
});
