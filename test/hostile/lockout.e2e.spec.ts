/**
 * Issue 21, finding 5 (lockout): failed authentications slow an address down without ever
 * refusing a valid key from it, and behind a reverse proxy (TRUST_PROXY) the address counted is
 * the client's from X-Forwarded-For, not the proxy's.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { AUTH_FAILURES_PER_MINUTE } from '../../src/access/rate-limiter.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';

const receive = (dossierId: string) => ({ dossierId, procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'online', receivedAt: '2025-03-03T09:00:00+07:00' });
const wrong = (i: number) => auth({ key: `a-rotated-out-key-${i}-000000` });

describe('failed authentications from one address', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close({ remove: true });
    t = undefined;
  });

  it('never lock out the valid keys sent from it', async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' });
    // One system behind the NAT keeps sending a key that was rotated out...
    for (let i = 0; i < AUTH_FAILURES_PER_MINUTE; i++) expect((await t.http.get('/units').set(wrong(i))).status).toBe(401);
    const throttled = await t.http.get('/units').set(wrong(99));
    expect(throttled.status).toBe(429);
    expect(throttled.body.code).toBe('RATE_LIMITED');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect((await t.http.get('/units')).status).toBe(429);
    // ...and every other system there goes on working, reads and commands alike.
    expect((await t.as('supervisor').get('/units')).status).toBe(200);
    expect((await t.as('integrator').post('/dossiers').send(receive('HS-AFTER-LOCKOUT'))).status).toBe(201);
    expect((await t.http.get('/units').set(wrong(100))).status).toBe(429);
  });

  it('count the proxy\'s address when no proxy is trusted (X-Forwarded-For is ignored)', async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' });
    for (let i = 0; i < AUTH_FAILURES_PER_MINUTE; i++) await t.http.get('/units').set(wrong(i)).set('X-Forwarded-For', '203.0.113.7');
    expect((await t.http.get('/units').set(wrong(99)).set('X-Forwarded-For', '198.51.100.1')).status).toBe(429);
  });

  it('count the client\'s address from X-Forwarded-For behind a trusted proxy', async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false', TRUST_PROXY: '127.0.0.1,::1' });
    for (let i = 0; i < AUTH_FAILURES_PER_MINUTE; i++) expect((await t.http.get('/units').set(wrong(i)).set('X-Forwarded-For', '203.0.113.7')).status).toBe(401);
    expect((await t.http.get('/units').set(wrong(99)).set('X-Forwarded-For', '203.0.113.7')).status).toBe(429);
    // Another client behind the same proxy is not concerned.
    expect((await t.http.get('/units').set(wrong(99)).set('X-Forwarded-For', '198.51.100.1')).status).toBe(401);
    // The key of the throttled client itself still works.
    expect((await t.as('supervisor').get('/units').set('X-Forwarded-For', '203.0.113.7')).status).toBe(200);
  });
});

describe('TRUST_PROXY', () => {
  it.each<[string | undefined, boolean | number | string]>([
    [undefined, false],
    ['', false],
    ['false', false],
    ['true', true],
    ['1', 1],
    ['10.0.0.1', '10.0.0.1'],
    ['10.0.0.0/8, 192.168.1.1 ,::1', '10.0.0.0/8,192.168.1.1,::1'],
    ['loopback', 'loopback'],
  ])('%j means %j', (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['yes', 'proxy.example.org', '10.0.0.1,,10.0.0.2', '-1'])('refuses %j', (value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
  });
});
