/**
 * Issue 21, finding 7 (bad input that got through or got a 500), except PUT /calendar: every
 * refusal is a 4xx problem+json with a code, quotes nothing of the URL, and leaves the log as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/test-app.js';

const instant = '2025-03-04T10:00:00+07:00';
const receive = (dossierId: string) => ({ dossierId, procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'online', receivedAt: '2025-03-03T09:00:00+07:00' });

/** Sends exactly these bytes and answers everything the server wrote until it closed. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
    socket.write(request);
  });
}

describe('bad input (issue 21, finding 7)', () => {
  let t: TestApp;
  let store: EventStore;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' });
    store = t.app.get(EVENT_STORE);
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
    expect((await t.as('integrator').post('/dossiers').send(receive('HS-OK'))).status).toBe(201);
  });
  afterAll(() => t.close({ remove: true }));

  async function refused(send: () => PromiseLike<{ status: number; headers: Record<string, string>; body: Record<string, unknown>; text: string }>, status: number, code: string) {
    const head = await store.headPosition();
    const res = await send();
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(await store.headPosition()).toBe(head);
    return res;
  }

  it('5,000 nested arrays: 400, not a 500 from a stack overflow', async () => {
    await refused(() => t.as('integrator').post('/dossiers').set('Content-Type', 'application/json').send('['.repeat(5000) + ']'.repeat(5000)), 400, 'VALIDATION_FAILED');
  });

  it.each(['constructor', 'toString', '__proto__', 'prototype', 'hasOwnProperty'])('a body field named %s is refused as an unknown field, by name', async (field) => {
    // Written out by hand: JSON.stringify of an object literal would not carry `__proto__` as a key.
    const text = `{${JSON.stringify(field)}:"x",${JSON.stringify(receive(`HS-${field}`)).slice(1)}`;
    const res = await refused(() => t.as('integrator').post('/dossiers').set('Content-Type', 'application/json').send(text), 400, 'VALIDATION_FAILED');
    expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    const transfer = `{${JSON.stringify(field)}:{"prototype":{"polluted":true}},"toUnitId":"VPDKDD","occurredAt":"${instant}"}`;
    const res2 = await refused(() => t.as('integrator').post('/dossiers/HS-OK/transfer').set('Content-Type', 'application/json').send(transfer), 400, 'VALIDATION_FAILED');
    expect((res2.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a blank reason is refused', async () => {
    for (const reason of [' ', '   \t\n']) {
      for (const path of ['/dossiers/HS-OK/request-supplement', '/dossiers/HS-OK/withdraw']) {
        const res = await refused(() => t.as('integrator').post(path).send({ reason, occurredAt: instant }), 400, 'VALIDATION_FAILED');
        expect(res.body.errors).toEqual([{ field: 'reason', message: 'reason must not be blank' }]);
      }
    }
  });

  it('allottedWorkingHours: null is refused (a present null is not an absent field); absent is fine', async () => {
    const res = await refused(() => t.as('integrator').post('/dossiers/HS-OK/transfer').send({ toUnitId: 'VPDKDD', allottedWorkingHours: null, occurredAt: instant }), 400, 'VALIDATION_FAILED');
    expect((res.body.errors as { field: string }[]).every((e) => e.field === 'allottedWorkingHours')).toBe(true);
    await refused(() => t.as('integrator').post('/dossiers').send({ ...receive('HS-NULL'), digitized: null }), 400, 'VALIDATION_FAILED');
    await refused(() => t.as('integrator').post('/dossiers/HS-OK/resolve').send({ outcome: 'approved', resultDigitized: null, occurredAt: instant }), 400, 'VALIDATION_FAILED');
    expect((await t.as('integrator').post('/dossiers/HS-OK/transfer').send({ toUnitId: 'VPDKDD', occurredAt: instant })).status).toBe(200);
  });

  it('a URL with broken percent-encoding: 400 problem+json that does not quote the URL', async () => {
    for (const path of ['/dossiers/%E0%A4%A-SECRET-PATH', '/units/%ZZ-SECRET-PATH/timeliness']) {
      const res = await refused(() => t.as('supervisor').get(path), 400, 'VALIDATION_FAILED');
      expect(JSON.stringify(res.body)).not.toContain('SECRET-PATH');
      expect(res.text).not.toContain('%');
    }
  });

  it('a path segment too long for the router: 414 problem+json that does not quote it', async () => {
    const long = `SECRET-${'x'.repeat(200)}`;
    const res = await refused(() => t.as('supervisor').get(`/dossiers/${long}`), 414, 'URI_TOO_LONG');
    expect(res.text).not.toContain('SECRET');
  });

  it('header fields too large: 431 problem+json that does not quote them, and the service goes on', async () => {
    const head = await store.headPosition();
    const response = await raw(port, `GET /units/SECRET-PATH HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_KEYS.supervisor}\r\nX-Pad: ${'p'.repeat(20_000)}\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
    expect(response).toContain('Content-Type: application/problem+json');
    const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
    expect(response).not.toContain('SECRET');
    expect(await store.headPosition()).toBe(head);
    expect((await t.http.get('/health')).status).toBe(200);
  });

  it('bytes that are not HTTP: 400 problem+json', async () => {
    const response = await raw(port, 'HELLO SECRET\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toContain('application/problem+json');
    expect(response).not.toContain('SECRET');
  });
});
