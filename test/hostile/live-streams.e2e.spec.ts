/**
 * Issue 21, finding 4: live streams had no limit, each computed its report on every change, and
 * what a client did not read piled up in the heap. Over real HTTP against the real service.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Metrics } from '../../src/operations/metrics.js';
import { FakeClock } from '../support/fake-clock.js';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';
import { command, q } from '../supervision/support/scenario.js';
import { SseClient, type SseEvent } from '../supervision/support/sse.js';

/**
 * The services' now, fixed: a receive a minute before it is never overdue (so the watcher appends
 * nothing) and always in the default period (this local year), whatever day the test runs.
 */
const clock = new FakeClock('2026-12-07T03:00:00Z');
const ago = (ms: number) => new Date(clock.now().getTime() - ms).toISOString();
const receive = (dossierId: string, unitId: string) => ({ dossierId, procedureCode: 'HT-KHAISINH', unitId, channel: 'direct', receivedAt: ago(60_000) }) as const;

async function metric(t: TestApp, name: string): Promise<number> {
  const text = (await t.as('auditor').get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const LIVE = '/units/HUYEN-BINH/timeliness/live';
const types = (c: SseClient) => c.events.map((e) => e.event);
/** The dossiers received in a report event, over its rows. */
const received = (e: SseEvent) => (e.data as { rows: { received: { total: number } }[] }).rows.reduce((n, r) => n + r.received.total, 0);

describe('live streams: limits', () => {
  let t: TestApp;
  let port: number;
  const clients: SseClient[] = [];
  const open = (path: string, role: 'supervisor' | 'auditor' = 'supervisor') => {
    const c = new SseClient(port, path, auth(role));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    t = await startTestApp({ LIVE_STREAMS_PER_KEY: '3', LIVE_STREAMS_MAX: '5' });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await t.close({ remove: true });
  });

  it('refuses a key its fourth stream with 429 problem+json; a closed stream frees its place', async () => {
    const head = await t.as('supervisor').head(LIVE);
    expect([head.status, head.headers['content-type']]).toEqual([200, 'text/event-stream']);
    expect(await metric(t, 'live_streams_open')).toBe(0);
    const held = [open(LIVE), open(LIVE), open(`${LIVE}${q({ groupBy: 'child' })}`)];
    for (const c of held) await c.waitFor(1);
    expect(held.map((c) => c.status)).toEqual([200, 200, 200]);

    const refused = await t.as('supervisor').get(LIVE);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 429, code: 'LIVE_STREAMS_LIMITED' });
    expect(await metric(t, 'live_streams_open')).toBe(3);
    expect(await metric(t, 'live_streams_refused_total')).toBe(1);

    held[0].close();
    await until(async () => (await metric(t, 'live_streams_open')) === 2, 'the closed stream to give its place back');
    const again = open(LIVE);
    await again.waitFor(1);
    expect(again.status).toBe(200);
    expect(types(again)).toEqual(['timeliness']);
  });

  it('refuses beyond the global limit whatever the key; refused and failed requests take no place', async () => {
    // 3 supervisor streams are open; the auditor may open 2 before the service holds 5.
    const a = [open(LIVE, 'auditor'), open(LIVE, 'auditor')];
    for (const c of a) await c.waitFor(1);
    const third = await t.as('auditor').get(LIVE);
    expect(third.status).toBe(429);
    expect(third.body.code).toBe('LIVE_STREAMS_LIMITED');
    expect(third.body.detail).toContain('the service has 5 live streams open');

    a[0].close();
    await until(async () => (await metric(t, 'live_streams_open')) === 4, 'the place to come back');
    // Bad input (400) and a read model that does not catch up in time (503) leave the count alone.
    expect((await t.as('auditor').get(`${LIVE}${q({ groupBy: 'nothing' })}`)).status).toBe(400);
    const late = await t.as('auditor').get(`${LIVE}${q({ minPosition: 1_000_000, timeoutMs: 0 })}`);
    expect(late.status).toBe(503);
    expect(await metric(t, 'live_streams_open')).toBe(4);
  });
});

describe('live streams: one computation per distinct report per change', () => {
  let t: TestApp;
  let port: number;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { clock });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    // The first start builds the read models and then announces them as a change of every unit:
    // past that before the computations are counted.
    const { position } = await command(t, '/dossiers', receive('WARM-1', 'HUYEN-AN.XA2'));
    expect((await t.as('supervisor').get(`/units/HUYEN-AN/timeliness${q({ minPosition: position })}`)).status).toBe(200);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await t.close({ remove: true });
  });

  it('twelve streams of two reports cost two computations per change, and each gets the new report once', async () => {
    const byChild = `${LIVE}${q({ groupBy: 'child' })}`;
    const streams = [...Array.from({ length: 8 }, () => LIVE), ...Array.from({ length: 4 }, () => byChild)].map((path) => {
      const c = new SseClient(port, path, auth('supervisor'));
      clients.push(c);
      return c;
    });
    for (const c of streams) await c.waitFor(1);
    expect(await metric(t, 'live_reports_shown')).toBe(2);
    const before = await metric(t, 'live_report_computations_total');
    expect(before).toBe(2);

    await command(t, '/dossiers', receive('HUB-1', 'HUYEN-BINH.XA1'));
    for (const c of streams) await c.waitFor(2);
    // Nothing more comes for that change. Barrier (rather than a wait past the coalescing window):
    // a later change to the same reports; each stream's next event is that change's report.
    const marker = await command(t, '/dossiers', receive('HUB-1B', 'HUYEN-BINH.XA1'));
    for (const c of streams) await c.waitForPosition(marker.position);
    expect((await metric(t, 'live_report_computations_total')) - before).toBe(4);
    expect(streams.map((c) => c.events.map(received))).toEqual(streams.map(() => [0, 1, 2]));

    // A change elsewhere is not computed for these reports. Barrier: a stream of that other unit,
    // opened after these, is sent the change; its report waits out the same coalescing window,
    // begun by the same notification after theirs, so their computations would have come first.
    const witness = new SseClient(port, `/units/HUYEN-AN.XA1/timeliness/live${q({ scope: 'self' })}`, auth('supervisor'));
    clients.push(witness);
    await witness.waitFor(1);
    const beforeElsewhere = await metric(t, 'live_report_computations_total');
    const elsewhere = await command(t, '/dossiers', receive('HUB-2', 'HUYEN-AN.XA1'));
    await witness.waitForPosition(elsewhere.position);
    expect((await metric(t, 'live_report_computations_total')) - beforeElsewhere).toBe(1); // the witness's own
    expect(streams.map((c) => c.events.length)).toEqual(streams.map(() => 3));
  });

  it('a change that leaves the rows as they were is computed but not sent', async () => {
    const c = new SseClient(port, `/units/HUYEN-BINH.XA2/timeliness/live${q({ scope: 'self' })}`, auth('supervisor'));
    clients.push(c);
    await c.waitFor(1);
    await command(t, '/dossiers', receive('SAME-1', 'HUYEN-BINH.XA2'));
    await c.waitFor(2);
    const before = await metric(t, 'live_report_computations_total');
    // Handing the dossier on changes who holds it, not the receiving commune's figures.
    await command(t, '/dossiers/SAME-1/transfer', { toUnitId: 'HUYEN-BINH.XA3', allottedWorkingHours: 8, occurredAt: ago(30_000) });
    await until(async () => (await metric(t, 'live_report_computations_total')) > before, 'the transfer to be computed');
    // Barrier: a later change that does alter the rows; the stream's next event is that one's.
    const marker = await command(t, '/dossiers', receive('SAME-2', 'HUYEN-BINH.XA2'));
    const next = await c.waitForPosition(marker.position);
    expect(c.events.map(received)).toEqual([0, 1, 2]);
    expect(c.events[2]).toBe(next);
  });
});

describe('live streams: a client that does not read', () => {
  let t: TestApp;
  let port: number;
  let silent: Socket | undefined;
  const CHILDREN = 400;

  beforeAll(async () => {
    t = await startTestApp({ SEED_DEMO: 'false' }, undefined, { clock });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    const admin = t.as('admin');
    expect((await admin.put('/units/WIDE').send({ name: 'Wide', level: 'district' })).status).toBe(200);
    for (let i = 0; i < CHILDREN; i++) {
      expect((await admin.put(`/units/WIDE.C${i}`).send({ name: `Commune ${i}`, parentId: 'WIDE', level: 'commune' })).status).toBe(200);
    }
    expect((await admin.put('/procedures/P-TEN').send({ name: 'Ten days', statutoryWorkingDays: 10 })).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    silent?.destroy();
    await t.close({ remove: true });
  });

  it('is dropped once what waits for it passes the bound, and counted; the others go on', async () => {
    const path = `/units/WIDE/timeliness/live${q({ groupBy: 'child' })}`;
    const reader = new SseClient(port, path, auth('supervisor'));
    silent = connect(port, '127.0.0.1');
    silent.pause(); // never reads: the kernel's buffers fill, then the server's
    silent.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nAuthorization: ${auth('supervisor').Authorization}\r\n\r\n`);
    await reader.waitFor(1);
    await until(async () => (await metric(t, 'live_streams_open')) === 2, 'both streams to open');

    // Each receive changes one child's row: a new report of CHILDREN rows for both streams.
    let n = 0;
    while ((await metric(t, 'live_streams_dropped_slow_total')) === 0) {
      if (n === 400) throw new Error('the client that does not read was never dropped');
      await t.as('integrator').post('/dossiers').send({ ...receive(`SLOW-${n}`, `WIDE.C${n % CHILDREN}`), procedureCode: 'P-TEN' }).expect(201);
      n++;
      await new Promise((r) => setTimeout(r, 30)); // past the coalescing window: one report each
    }
    expect(await metric(t, 'live_streams_dropped_slow_total')).toBe(1);
    await until(async () => (await metric(t, 'live_streams_open')) === 1, 'the dropped stream to give its place back');
    // The reading client goes on: it is sent the report with every receive in it.
    const received = () => (reader.events[reader.events.length - 1].data as { rows: { received: { total: number } }[] }).rows.reduce((s, r) => s + r.received.total, 0);
    await until(() => received() === n, 'the reading client to be sent the last report');
    reader.close();
  }, 60_000);
});

describe('live streams: shutdown', () => {
  it('ends every open stream and gives its place back', async () => {
    const t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    const streams = [new SseClient(port, LIVE, auth('supervisor')), new SseClient(port, LIVE, auth('auditor'))];
    for (const c of streams) await c.waitFor(1);
    expect(await metric(t, 'live_streams_open')).toBe(2);
    await t.close({ remove: true });
    for (const c of streams) await c.waitForEnd();
    const text = await t.app.get(Metrics).render();
    expect(text.split('\n')).toContain('live_streams_open 0');
  });
});
