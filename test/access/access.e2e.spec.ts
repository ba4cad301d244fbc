import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../../src/access/api-keys.js';
import { auth, startTestApp, tempDataDir, TEST_KEYS, type TestApp } from '../support/test-app.js';

/** A problem+json body says what went wrong and nothing about the inside of the service. */
function expectProblem(res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.body).toMatchObject({ status, code });
  expect(Object.keys(res.body).sort()).toEqual(expect.arrayContaining(['code', 'detail', 'status', 'title', 'type']));
  for (const field of Object.keys(res.body)) expect(['code', 'detail', 'errors', 'status', 'title', 'type']).toContain(field);
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .+:\d+:\d+|node_modules|\/src\/|Error:/);
}

const receive = (dossierId: string, unitId = 'TTPVHCC') => ({
  dossierId,
  procedureCode: 'DN-THANHLAP',
  unitId,
  channel: 'online',
  receivedAt: '2025-03-03T08:00:00+07:00',
});

describe('API keys over HTTP', () => {
  let t: TestApp;
  const unnamed = 'an-unnamed-integrator-key';
  beforeAll(async () => {
    t = await startTestApp({}, undefined, { extraKeys: [{ key: unnamed, role: 'integrator' }] });
  });
  afterAll(() => t.close({ remove: true }));

  it('answers 401 problem+json without a key, with a wrong key, or with another scheme', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong-key-0000000000' }, { Authorization: `Basic ${TEST_KEYS.admin}` }, { Authorization: 'Bearer' }]) {
      const res = await t.http.get('/units').set(headers);
      expectProblem(res, 401, 'UNAUTHENTICATED');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('takes the key case-insensitively on the scheme, and never on the key', async () => {
    expect((await t.http.get('/units').set('Authorization', `bearer ${TEST_KEYS.admin}`)).status).toBe(200);
    expect((await t.http.get('/units').set('Authorization', `Bearer ${TEST_KEYS.admin.toUpperCase()}`)).status).toBe(401);
  });

  it('leaves /health and /docs open', async () => {
    expect((await t.http.get('/health')).status).toBe(200);
    expect((await t.http.get('/docs')).status).toBe(200);
    expect((await t.http.get('/health').set('Authorization', 'Bearer nonsense')).status).toBe(200);
  });

  it('answers 403 problem+json outside the role', async () => {
    expectProblem(await t.as('supervisor').put('/procedures/X').send({ name: 'x', statutoryWorkingDays: 1 }), 403, 'FORBIDDEN');
    expectProblem(await t.as('admin').post('/dossiers').send(receive('HS-ADMIN')), 403, 'FORBIDDEN');
    expectProblem(await t.as('supervisor').get('/dossiers/HS-1/events'), 403, 'FORBIDDEN');
  });

  it('names the key in every event it causes, never the secret', async () => {
    expect((await t.as('integrator').post('/dossiers').send(receive('HS-NAMED'))).status).toBe(201);
    expect((await t.as({ key: unnamed }).post('/dossiers').send(receive('HS-UNNAMED'))).status).toBe(201);
    const named = await t.as('auditor').get('/dossiers/HS-NAMED/events');
    const anonymous = await t.as('auditor').get('/dossiers/HS-UNNAMED/events');
    expect(named.body[0].metadata.actor).toBe('test-integrator');
    // An unnamed key acts under a random id the service wrote into the key file, not one derived from the key.
    const entries = JSON.parse(readFileSync(join(t.config.dataDir, 'api-keys.json'), 'utf8')) as { key?: string; actorId?: string }[];
    const actorId = entries.find((e) => e.key === unnamed)?.actorId;
    expect(actorId).toMatch(/^key-[0-9a-f]{16}$/);
    expect(anonymous.body[0].metadata.actor).toBe(actorId);
    expect(actorId).not.toContain(sha256(unnamed).toString('hex').slice(0, 12));
    const history = JSON.stringify([named.body, anonymous.body]);
    expect(history).not.toContain(TEST_KEYS.integrator);
    expect(history).not.toContain(unnamed);
  });

  it('refuses a body over the limit with 413 problem+json; without a key, 401 before the body is read', async () => {
    const big = { ...receive('HS-BIG'), padding: 'x'.repeat(70_000) };
    expectProblem(await t.as('integrator').post('/dossiers').send(big), 413, 'PAYLOAD_TOO_LARGE');
    expectProblem(await t.http.post('/dossiers').send(big), 401, 'UNAUTHENTICATED');
  });

  it('answers broken JSON and unknown routes with problems that reveal nothing inside', async () => {
    expectProblem(await t.as('integrator').post('/dossiers').set('Content-Type', 'application/json').send('{"dossierId": '), 400, 'VALIDATION_FAILED');
    expectProblem(await t.as('admin').get('/no/such/route'), 404, 'NOT_FOUND');
  });
});

describe('abuse limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(() => t.close({ remove: true }));

  it('answers 429 problem+json with Retry-After once a key used its allowance, other keys unaffected', async () => {
    for (let i = 0; i < 5; i++) expect((await t.as('supervisor').get('/units')).status).toBe(200);
    const res = await t.as('supervisor').get('/units');
    expectProblem(res, 429, 'RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(12);
    expect((await t.as('auditor').get('/units')).status).toBe(200);
  });

  it('makes an address that keeps failing to authenticate wait, but still serves its valid keys', async () => {
    for (let i = 0; i < 30; i++) expect((await t.http.get('/units').set(auth({ key: `guess-${i}-0000000000000` }))).status).toBe(401);
    const res = await t.http.get('/units').set(auth({ key: 'guess-31-000000000000' }));
    expectProblem(res, 429, 'RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(1);
    expectProblem(await t.http.get('/units'), 429, 'RATE_LIMITED');
    expect((await t.as('admin').get('/units')).status).toBe(200);
    expect((await t.http.get('/health')).status).toBe(200);
  });
});

describe('first start without a key file', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close({ remove: true });
    t = undefined;
  });

  it('creates it (0600, digests only), writes one key per role once to a 0600 file (not a terminal: never to the log), and those keys work', async () => {
    const dataDir = tempDataDir();
    const file = join(dataDir, 'keys', 'api-keys.json');
    const printed: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      t = await startTestApp({ API_KEYS_FILE: file }, dataDir);
    } finally {
      spy.mockRestore();
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const initialKeys = join(dataDir, 'keys', 'initial-keys.txt');
    expect(statSync(initialKeys).mode & 0o777).toBe(0o600);
    expect(printed.join('')).toContain(initialKeys);
    const text = readFileSync(initialKeys, 'utf8');
    for (const m of text.matchAll(/[A-Za-z0-9_-]{43}/g)) expect(printed.join('')).not.toContain(m[0]);
    const keys = Object.fromEntries([...text.matchAll(/initial-(\w+)[^A-Za-z0-9_-]+(?:key[^A-Za-z0-9_-]+)?([A-Za-z0-9_-]{43})/g)].map((m) => [m[1], m[2]]));
    expect(Object.keys(keys).sort()).toEqual(['admin', 'auditor', 'integrator', 'supervisor']);
    const stored = readFileSync(file, 'utf8');
    for (const key of Object.values(keys)) expect(stored).not.toContain(key);
    expect((await t.http.put('/procedures/P-FIRST').set(auth({ key: keys.admin! })).send({ name: 'x', statutoryWorkingDays: 1 })).status).toBe(200);
    expect((await t.http.get('/units').set(auth({ key: keys.supervisor! }))).status).toBe(200);
    expect((await t.http.get('/units').set(auth('admin'))).status).toBe(401);

    // A restart finds the file, prints nothing, and the same keys still work.
    await t.close();
    const again: string[] = [];
    const spy2 = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      again.push(String(chunk));
      return true;
    });
    try {
      t = await startTestApp({ API_KEYS_FILE: file }, dataDir);
    } finally {
      spy2.mockRestore();
    }
    expect(again.join('')).not.toContain(keys.admin!);
    expect((await t.http.get('/units').set(auth({ key: keys.auditor! }))).status).toBe(200);
  });
});
