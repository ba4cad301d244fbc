import { afterEach, describe, expect, it } from '@jest/globals';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/test-app.js';

/** The service's log lines, as pino writes them to its destination. */
function capture(): { write(line: string): void; entries: () => Record<string, unknown>[]; text: () => string } {
  const lines: string[] = [];
  return {
    write: (line: string) => void lines.push(line),
    entries: () => lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => lines.join(''),
  };
}

const receive = { dossierId: 'LOG-1', procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'online', receivedAt: '2025-03-03T09:00:00+07:00' };

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close({ remove: true });
  t = undefined;
});

describe('logs (pino)', () => {
  it('one JSON line per request with the Authorization header redacted; Nest and Fastify write to the same stream', async () => {
    const log = capture();
    t = await startTestApp({ LOG_LEVEL: 'info', OVERDUE_WATCHER: 'false' }, undefined, { logDestination: log });
    expect((await t.as('integrator').post('/dossiers').send(receive)).status).toBe(201);
    const wrongKey = 'a-wrong-but-secret-key-0123456789';
    expect((await t.as({ key: wrongKey }).get('/units')).status).toBe(401);
    expect((await t.http.get('/health').set('Cookie', 'session=secret-cookie-value')).status).toBe(200);

    const entries = log.entries();
    const requests = entries.filter((e) => e.msg === 'request completed');
    expect(requests).toHaveLength(3);
    expect(entries.filter((e) => e.msg === 'incoming request')).toEqual([]);
    const post = requests.find((e) => (e.req as { url: string }).url === '/dossiers');
    expect(post).toMatchObject({ level: 'info', req: { method: 'POST', headers: { authorization: '[redacted]' } }, res: { statusCode: 201 } });
    expect(typeof post!.responseTime).toBe('number');
    expect(requests.find((e) => (e.req as { url: string }).url === '/units')).toMatchObject({ req: { headers: { authorization: '[redacted]' } }, res: { statusCode: 401 } });
    expect(requests.find((e) => (e.req as { url: string }).url === '/health')).toMatchObject({ req: { headers: { cookie: '[redacted]' } } });
    // No secret anywhere in the log, in any form.
    for (const secret of [TEST_KEYS.integrator, wrongKey, 'secret-cookie-value']) expect(log.text()).not.toContain(secret);
    // Nest's own lines (the key store, the projector) are JSON lines of the same logger.
    expect(entries.find((e) => e.context === 'Access' && e.msg === 'API keys loaded')).toMatchObject({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('LOG_LEVEL=warn writes no request lines, LOG_LEVEL=silent nothing at all', async () => {
    const warn = capture();
    t = await startTestApp({ LOG_LEVEL: 'warn', OVERDUE_WATCHER: 'false' }, undefined, { logDestination: warn });
    expect((await t.as('integrator').post('/dossiers').send(receive)).status).toBe(201);
    expect(warn.entries().filter((e) => e.msg === 'request completed' || e.level === 'info')).toEqual([]);
    await t.close({ remove: true });

    const silent = capture();
    t = await startTestApp({ LOG_LEVEL: 'silent', OVERDUE_WATCHER: 'false' }, undefined, { logDestination: silent });
    expect((await t.as('integrator').post('/dossiers').send(receive)).status).toBe(201);
    expect((await t.as('integrator').post('/dossiers').send({ ...receive, dossierId: 'LOG-1' })).status).toBe(409);
    await t.close({ remove: true });
    t = undefined;
    expect(silent.text()).toBe('');
  });
});
