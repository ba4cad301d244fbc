import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { EVENT_STORE } from '../../src/event-store/event-store.port.js';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';

const vn = (date: string, time: string) => `${date}T${time}:00+07:00`;

/** Every refusal must be a problem+json 4xx and must leave the store exactly as it was. */
describe('bad input changes nothing', () => {
  let t: TestApp;
  let store: EventStore;
  const integrator = auth('integrator');
  const valid = { dossierId: 'HS-OK', procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'online', receivedAt: vn('2025-03-03', '08:00') };

  beforeAll(async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' });
    store = t.app.get(EVENT_STORE);
    expect((await t.http.post('/dossiers').set(integrator).send(valid)).status).toBe(201);
  });
  afterAll(() => t.close({ remove: true }));

  async function expectRefused(send: () => Promise<{ status: number; headers: Record<string, string>; body: { code?: string } }>, status: number, code: string) {
    const before = await store.headPosition();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe(code);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/); // no stack traces
    expect(await store.headPosition()).toBe(before);
    return res;
  }

  const post = (path: string, body: unknown) => () => t.http.post(path).set(integrator).send(body as object);

  it.each([
    ['a missing field', { ...valid, dossierId: 'HS-1', channel: undefined }, 'channel'],
    ['a mistyped field', { ...valid, dossierId: 'HS-2', digitized: 'yes' }, 'digitized'],
    ['an unknown channel', { ...valid, dossierId: 'HS-3', channel: 'fax' }, 'channel'],
    ['an instant without offset', { ...valid, dossierId: 'HS-4', receivedAt: '2025-03-03T08:00:00' }, 'receivedAt'],
    ['an impossible date', { ...valid, dossierId: 'HS-5', receivedAt: '2025-02-30T08:00:00+07:00' }, 'receivedAt'],
    ['a bad id', { ...valid, dossierId: 'HS 6/x' }, 'dossierId'],
    ['an unknown field', { ...valid, dossierId: 'HS-7', color: 'red' }, 'color'],
    ['a receivedAt in the future', { ...valid, dossierId: 'HS-8', receivedAt: '2999-01-01T08:00:00+07:00' }, 'receivedAt'],
  ])('400 for %s', async (_what, body, field) => {
    const res = await expectRefused(post('/dossiers', body), 400, 'VALIDATION_FAILED');
    expect(res.body).toHaveProperty('errors');
    expect((res.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(field);
  });

  it('404 for an unknown unit, procedure or dossier', async () => {
    await expectRefused(post('/dossiers', { ...valid, dossierId: 'HS-9', unitId: 'NOPE' }), 404, 'NOT_FOUND');
    await expectRefused(post('/dossiers', { ...valid, dossierId: 'HS-9', procedureCode: 'NOPE' }), 404, 'NOT_FOUND');
    await expectRefused(post('/dossiers/NOPE/resolve', { outcome: 'approved', occurredAt: vn('2025-03-04', '08:00') }), 404, 'NOT_FOUND');
    await expectRefused(post('/dossiers/HS-OK/transfer', { toUnitId: 'NOPE', occurredAt: vn('2025-03-04', '08:00') }), 404, 'NOT_FOUND');
  });

  it('409 for a duplicate dossier and an impossible transition', async () => {
    await expectRefused(post('/dossiers', valid), 409, 'DUPLICATE_DOSSIER');
    // With If-Match the existing dossier is read first: a duplicate at that revision, else 412.
    await expectRefused(() => t.http.post('/dossiers').set(integrator).set('If-Match', '0').send(valid), 409, 'DUPLICATE_DOSSIER');
    const stale = await expectRefused(() => t.http.post('/dossiers').set(integrator).set('If-Match', '"5"').send(valid), 412, 'REVISION_MISMATCH');
    expect((stale.body as { detail: string }).detail).toContain('at revision 0');
    await expectRefused(post('/dossiers/HS-OK/supplement', { occurredAt: vn('2025-03-04', '08:00') }), 409, 'ILLEGAL_TRANSITION');
    await expectRefused(post('/dossiers/HS-OK/transfer', { toUnitId: 'TTPVHCC', occurredAt: vn('2025-03-04', '08:00') }), 409, 'ILLEGAL_TRANSITION');
  });

  it('400 for an occurredAt before the previous event or in the future', async () => {
    await expectRefused(post('/dossiers/HS-OK/resolve', { outcome: 'approved', occurredAt: vn('2025-03-02', '08:00') }), 400, 'VALIDATION_FAILED');
    const future = new Date(Date.now() + 5 * 60_000).toISOString();
    await expectRefused(post('/dossiers/HS-OK/resolve', { outcome: 'approved', occurredAt: future }), 400, 'VALIDATION_FAILED');
  });

  it('400 for broken JSON, 415 for another content type, 413 for an oversized body', async () => {
    await expectRefused(() => t.http.post('/dossiers').set(integrator).set('Content-Type', 'application/json').send('{"dossierId": '), 400, 'VALIDATION_FAILED');
    await expectRefused(() => t.http.post('/dossiers').set(integrator).set('Content-Type', 'text/plain').send('hello'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // A form with every field of a valid reception: commands take JSON only.
    const form = new URLSearchParams({ ...valid, dossierId: 'HS-FORM' }).toString();
    await expectRefused(() => t.http.post('/dossiers').set(integrator).set('Content-Type', 'application/x-www-form-urlencoded').send(form), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // An empty form (`curl -d ''`) is no body at all: here the fields are missing.
    await expectRefused(() => t.http.post('/dossiers').set(integrator).set('Content-Type', 'application/x-www-form-urlencoded').send(''), 400, 'VALIDATION_FAILED');
    const huge = { ...valid, dossierId: 'HS-10', padding: 'x'.repeat(200_000) };
    await expectRefused(post('/dossiers', huge), 413, 'PAYLOAD_TOO_LARGE');
    await expectRefused(() => t.http.post('/dossiers').set(integrator).set('Content-Type', 'application/json').send(''), 400, 'VALIDATION_FAILED');
  });

  it('412 when If-Match names another revision', async () => {
    const res = await expectRefused(
      () => t.http.post('/dossiers/HS-OK/transfer').set(integrator).set('If-Match', '"7"').send({ toUnitId: 'VPDKDD', occurredAt: vn('2025-03-04', '08:00') }),
      412,
      'REVISION_MISMATCH',
    );
    expect(res.status).toBe(412);
    const ok = await t.http.post('/dossiers/HS-OK/transfer').set(integrator).set('If-Match', '0').send({ toUnitId: 'VPDKDD', occurredAt: vn('2025-03-04', '08:00') });
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe('"1"');
  });
});

describe('Idempotency-Key', () => {
  let t: TestApp;
  const integrator = auth('integrator');
  const body = { dossierId: 'HS-IDEM', procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'direct', receivedAt: vn('2025-03-03', '08:00') };

  beforeAll(async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' });
  });
  afterAll(() => t.close({ remove: true }));

  it('the same key and body return the first answer and append nothing, even after a restart', async () => {
    const store = () => t.app.get<EventStore>(EVENT_STORE);
    const first = await t.http.post('/dossiers').set(integrator).set('Idempotency-Key', 'k-1').send(body);
    expect(first.status).toBe(201);
    const head = await store().headPosition();
    const again = await t.http.post('/dossiers').set(integrator).set('Idempotency-Key', 'k-1').send(body);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await store().headPosition()).toBe(head);

    const dataDir = t.config.dataDir;
    await t.close();
    t = await startTestApp({ OVERDUE_WATCHER: 'false' }, dataDir);
    const afterRestart = await t.http.post('/dossiers').set(integrator).set('Idempotency-Key', 'k-1').send(body);
    expect(afterRestart.status).toBe(201);
    expect(afterRestart.body).toEqual(first.body);
    expect(await store().headPosition()).toBe(head);
  });

  it('keyed commands sent together are each answered once; their retries, also after a restart, append nothing', async () => {
    const store = () => t.app.get<EventStore>(EVENT_STORE);
    const bodies = Array.from({ length: 20 }, (_, i) => ({ ...body, dossierId: `HS-IDEM-MANY-${i}` }));
    const send = (i: number) => t.http.post('/dossiers').set(integrator).set('Idempotency-Key', `many-${i}`).send(bodies[i]);
    const first = await Promise.all(bodies.map((_, i) => send(i)));
    expect(first.map((r) => r.status)).toEqual(bodies.map(() => 201));
    const head = await store().headPosition();
    const again = await Promise.all(bodies.map((_, i) => send(i)));
    expect(again.map((r) => r.body)).toEqual(first.map((r) => r.body));
    const reused = await t.http.post('/dossiers').set(integrator).set('Idempotency-Key', 'many-3').send(bodies[4]);
    expect(reused.status).toBe(409);

    const dataDir = t.config.dataDir;
    await t.close();
    t = await startTestApp({ OVERDUE_WATCHER: 'false' }, dataDir);
    const afterRestart = await Promise.all(bodies.map((_, i) => send(i)));
    expect(afterRestart.map((r) => r.body)).toEqual(first.map((r) => r.body));
    expect(await store().headPosition()).toBe(head);
  });

  it('the same key with another body is 409 and appends nothing', async () => {
    const store = t.app.get<EventStore>(EVENT_STORE);
    const head = await store.headPosition();
    const res = await t.http.post('/dossiers').set(integrator).set('Idempotency-Key', 'k-1').send({ ...body, channel: 'online' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await store.headPosition()).toBe(head);
  });
});
