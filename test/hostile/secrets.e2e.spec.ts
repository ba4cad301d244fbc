/**
 * Issue 21, finding 9 (secrets at rest): generated keys never in the log, DATA_DIR and the
 * databases readable by the service's user only, an unnamed key's actor not derived from it.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiKeyStore, sha256 } from '../../src/access/api-keys.js';
import { STAFF_ROLES } from '../../src/access/principal.js';
import { startTestApp, tempDataDir } from '../support/test-app.js';

const mode = (path: string) => statSync(path).mode & 0o777;
const receive = (dossierId: string) => ({ dossierId, procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'online', receivedAt: '2025-03-03T09:00:00+07:00' });
const dirs: string[] = [];
const temp = () => {
  const dir = tempDataDir('dossier-secrets-');
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('generated keys on first start', () => {
  it('without a terminal: written once to a 0600 file beside the key file, whose path alone is logged', () => {
    const file = join(temp(), 'api-keys.json');
    const printed: string[] = [];
    const store = ApiKeyStore.open(file, { print: (text) => printed.push(text), tty: false });
    const keysFile = file.replace(/api-keys\.json$/, 'initial-keys.txt');
    expect(mode(keysFile)).toBe(0o600);
    const keys = [...readFileSync(keysFile, 'utf8').matchAll(/initial-(\w+)\s+([A-Za-z0-9_-]{43})/g)].map((m) => ({ role: m[1]!, key: m[2]! }));
    expect(keys.map((k) => k.role)).toEqual([...STAFF_ROLES]);
    for (const { role, key } of keys) expect(store.authenticate(key)?.principal.role).toBe(role);
    expect(printed).toHaveLength(1);
    const line = JSON.parse(printed[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'warn', file, initialKeysFile: keysFile });
    for (const { key } of keys) expect(printed[0]).not.toContain(key);
    // A second start finds the key file: nothing is written or printed again.
    ApiKeyStore.open(file, { print: (text) => printed.push(text), tty: false });
    expect(printed).toHaveLength(1);
  });

  it('on a terminal: shown there as before, and no file is written', () => {
    const dir = temp();
    const printed: string[] = [];
    const store = ApiKeyStore.open(join(dir, 'api-keys.json'), { print: (text) => printed.push(text), tty: true });
    const keys = [...printed.join('').matchAll(/initial-\w+\s+([A-Za-z0-9_-]{43})/g)].map((m) => m[1]!);
    expect(keys).toHaveLength(4);
    for (const key of keys) expect(store.authenticate(key)).toBeDefined();
    expect(readdirSync(dir)).toEqual(['api-keys.json']);
  });
});

describe('DATA_DIR and the databases', () => {
  it('are 0700 and 0600, -wal and -shm included, also those left open by an older version and a rebuilt read model', async () => {
    const dataDir = join(temp(), 'data');
    let t = await startTestApp({ OVERDUE_WATCHER: 'false' }, (mkdirSync(dataDir, { mode: 0o755 }), dataDir));
    const check = () => {
      expect(mode(dataDir)).toBe(0o700);
      const files = readdirSync(dataDir).filter((name) => /\.db(-wal|-shm)?$/.test(name));
      for (const name of ['events.db', 'read-models.db', 'idempotency.db']) expect(files).toContain(name);
      expect(files.some((name) => name.endsWith('-wal'))).toBe(true);
      for (const name of [...files, 'api-keys.json']) expect({ name, mode: mode(join(dataDir, name)) }).toEqual({ name, mode: 0o600 });
    };
    try {
      expect((await t.as('integrator').post('/dossiers').set('Idempotency-Key', 'k1').send(receive('HS-1'))).status).toBe(201);
      check();
      expect((await t.as('admin').post('/projections/rebuild?wait=true')).status).toBeLessThan(300);
      check();
    } finally {
      await t.close();
    }
    // As an older version left them: everyone may read.
    chmodSync(dataDir, 0o755);
    for (const name of readdirSync(dataDir)) chmodSync(join(dataDir, name), 0o644);
    t = await startTestApp({ OVERDUE_WATCHER: 'false' }, dataDir);
    try {
      check();
    } finally {
      await t.close();
    }
  });
});

describe('the actor of a key without a name', () => {
  const unnamed = 'an-unnamed-key-of-an-integrator';
  const write = (file: string) => writeFileSync(file, JSON.stringify([{ key: unnamed, role: 'integrator' }, { key: 'a-named-admin-key-0000', role: 'admin', name: 'ops' }]), { mode: 0o600 });

  it('is a random id written into the key file on first sight (same mode), and kept from then on', () => {
    const file = join(temp(), 'api-keys.json');
    write(file);
    const first = ApiKeyStore.open(file).authenticate(unnamed)!.principal.name;
    expect(first).toMatch(/^key-[0-9a-f]{16}$/);
    expect(first).not.toContain(sha256(unnamed).toString('hex').slice(0, 12));
    const entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
    expect(entries).toEqual([{ key: unnamed, role: 'integrator', actorId: first }, { key: 'a-named-admin-key-0000', role: 'admin', name: 'ops' }]);
    expect(mode(file)).toBe(0o600);
    expect(ApiKeyStore.open(file).authenticate(unnamed)!.principal.name).toBe(first);

    // The same key in another installation acts under another id: nothing is derived from it.
    const other = join(temp(), 'api-keys.json');
    write(other);
    expect(ApiKeyStore.open(other).authenticate(unnamed)!.principal.name).not.toBe(first);
  });

  it('is written through a symbolic link into the file it names, the link left a link', () => {
    const dir = temp();
    const real = join(dir, 'real-keys.json');
    write(real);
    symlinkSync(real, join(dir, 'api-keys.json'));
    const id = ApiKeyStore.open(join(dir, 'api-keys.json')).authenticate(unnamed)!.principal.name;
    expect(lstatSync(join(dir, 'api-keys.json')).isSymbolicLink()).toBe(true);
    expect((JSON.parse(readFileSync(real, 'utf8')) as { actorId?: string }[])[0]!.actorId).toBe(id);
  });

  it('is a random id for the life of the process when the file cannot be written, and the file is left as it was', () => {
    const dir = temp();
    const file = join(dir, 'api-keys.json');
    write(file);
    const before = readFileSync(file, 'utf8');
    // The tests may run as root, whom permissions do not stop: a folder squatting on the
    // temporary file's name makes the write fail instead.
    mkdirSync(join(dir, `.api-keys.${process.pid}.actors.tmp`));
    const store = ApiKeyStore.open(file);
    const id = store.authenticate(unnamed)!.principal.name;
    expect(id).toMatch(/^key-[0-9a-f]{16}$/);
    expect(store.reload()).toBe(true);
    expect(store.authenticate(unnamed)!.principal.name).toBe(id);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(ApiKeyStore.open(file).authenticate(unnamed)!.principal.name).not.toBe(id);
  });
});
