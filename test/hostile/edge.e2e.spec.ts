/**
 * Issue 21, finding 3 (slow clients): timeouts on the request, its headers and idle keep-alive
 * connections; the key checked before the body is read; a bound on JSON nesting.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { ConfigError, loadConfig } from '../../src/config.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/test-app.js';

const HEADERS_TIMEOUT_MS = 600;
const REQUEST_TIMEOUT_MS = 1200;

interface SlowClient {
  socket: Socket;
  /** What the server sent back, once it closed the connection, and how long after connecting. */
  closed: Promise<{ at: number; lifetime: number; received: string }>;
}

function slowClient(port: number, first: string): SlowClient {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  socket.write(first);
  let connectedAt = Date.now();
  socket.once('connect', () => (connectedAt = Date.now()));
  const closed = new Promise<{ at: number; lifetime: number; received: string }>((resolve) => socket.on('close', () => resolve({ at: Date.now(), lifetime: Date.now() - connectedAt, received })));
  return { socket, closed };
}

function bodyOf(response: string): Record<string, unknown> {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
}

describe('slow clients', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp({ HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), OVERDUE_WATCHER: 'false' });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => t.close({ remove: true }));

  it('are answered 408 problem+json and closed within the timeouts, while a normal client is served', async () => {
    const started = Date.now();
    const head = `POST /dossiers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_KEYS.integrator}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`;
    // A thousand sockets: half send the headers and one byte of the body; the others one byte of the headers (or half of them).
    const slow = Array.from({ length: 1000 }, (_, i) => slowClient(port, i % 2 === 0 ? `${head}{` : i % 4 === 1 ? 'P' : 'GET /units HTTP/1.1\r\nHost: x\r\n'));
    // Once they are all connected (client and server share this process: let it settle)...
    await Promise.all(slow.map((c) => new Promise((resolve) => (c.socket.connecting ? c.socket.once('connect', resolve) : resolve(undefined)))));
    await new Promise((resolve) => setTimeout(resolve, 50));

    // ...the crowd does not keep anyone else out.
    const before = Date.now();
    const ok = await fetch(`http://127.0.0.1:${port}/units`, { headers: { Authorization: `Bearer ${TEST_KEYS.supervisor}` } });
    expect(ok.status).toBe(200);
    expect(Date.now() - before).toBeLessThan(1000);

    const results = await Promise.all(slow.map((c) => c.closed));
    const slowest = Math.max(...results.map((r) => r.lifetime));
    // Node checks the deadlines every min(1 s, headers timeout): allow that much, and a margin for a
    // busy machine (Node's own default would have held them 300 s).
    expect(slowest).toBeLessThan(REQUEST_TIMEOUT_MS + HEADERS_TIMEOUT_MS + 2000);
    expect(Math.max(...results.map((r) => r.at)) - started).toBeLessThan(10_000);
    for (const { received } of results) {
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(received).toContain('Content-Type: application/problem+json');
      expect(bodyOf(received)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
    }
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });

  it('checks the key before reading the body: 401 at once for a body that is never sent', async () => {
    const before = Date.now();
    const response = await new Promise<string>((resolve) => {
      const client = slowClient(port, 'POST /dossiers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n\r\n{');
      client.socket.on('data', (chunk: string) => {
        resolve(chunk);
        client.socket.destroy();
      });
    });
    expect(Date.now() - before).toBeLessThan(HEADERS_TIMEOUT_MS);
    expect(response).toMatch(/^HTTP\/1\.1 401 /);
    expect(bodyOf(response)).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses an unauthenticated 70 KB body with 401, not 413', async () => {
    const res = await t.http.post('/dossiers').set('Content-Type', 'application/json').send(JSON.stringify({ padding: 'x'.repeat(70_000) }));
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('keeps routes marked public open without a key', async () => {
    expect((await t.http.get('/health')).status).toBe(200);
    expect((await t.http.get('/docs/openapi.json')).status).toBe(200);
  });
});

describe('JSON nesting', () => {
  let t: TestApp;
  let store: EventStore;
  beforeAll(async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' });
    store = t.app.get(EVENT_STORE);
  });
  afterAll(() => t.close({ remove: true }));

  it.each([
    ['5,000 nested arrays', '['.repeat(5000) + ']'.repeat(5000)],
    ['5,000 nested arrays in a field', `{"dossierId":${'['.repeat(5000)}${']'.repeat(5000)}}`],
    ['5,000 nested objects', '{"a":'.repeat(5000) + '1' + '}'.repeat(5000)],
    ['33 levels', '['.repeat(33) + ']'.repeat(33)],
  ])('refuses %s with 400 VALIDATION_FAILED and changes nothing', async (_what, text) => {
    const head = await store.headPosition();
    for (const path of ['/dossiers', '/dossiers/HS-1/transfer']) {
      const res = await t.as('integrator').post(path).set('Content-Type', 'application/json').send(text);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    const calendar = await t.as('admin').put('/calendar').set('Content-Type', 'application/json').send(text);
    expect(calendar.status).toBe(400);
    expect(await store.headPosition()).toBe(head);
    expect((await t.http.get('/health')).status).toBe(200);
  });

  it('still reads brackets inside strings as text', async () => {
    // An escaped quote does not end the string: the brackets after it are text too.
    const reason = `"\\"${'['.repeat(1000)}{`;
    const res = await t.as('integrator').post('/dossiers/HS-NONE/request-supplement').send({ reason, occurredAt: '2025-03-04T10:00:00+07:00' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });
});

describe('the timeout settings', () => {
  it('have sane defaults and are read from the environment', () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 72_000, connectionTimeoutMs: 120_000 });
    expect(loadConfig({ HEADERS_TIMEOUT_MS: '2000', REQUEST_TIMEOUT_MS: '5000', KEEP_ALIVE_TIMEOUT_MS: '1000', CONNECTION_TIMEOUT_MS: '0' })).toMatchObject({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 5000,
      keepAliveTimeoutMs: 1000,
      connectionTimeoutMs: 0,
    });
  });

  it('refuse a timeout of 0 (no limit) and headers given longer than the whole request', () => {
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '40000', REQUEST_TIMEOUT_MS: '30000' })).toThrow(/HEADERS_TIMEOUT_MS/);
  });

  it('close an idle keep-alive connection after KEEP_ALIVE_TIMEOUT_MS', async () => {
    const t = await startTestApp({ KEEP_ALIVE_TIMEOUT_MS: '300' });
    try {
      await t.app.listen(0, '127.0.0.1');
      const { port } = t.app.getHttpServer().address() as { port: number };
      const client = slowClient(port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      const started = Date.now();
      const { at, received } = await client.closed;
      expect(received).toMatch(/^HTTP\/1\.1 200 /);
      expect(at - started).toBeLessThan(2000);
    } finally {
      await t.close({ remove: true });
    }
  });
});

