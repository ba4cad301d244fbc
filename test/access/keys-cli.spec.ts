import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyStore, fingerprintOf, sha256 } from '../../src/access/api-keys.js';
import { addKey, removeKeys } from '../../src/access/keys-cli.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function keyFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'access-cli-'));
  dirs.push(dir);
  return join(dir, 'data', 'api-keys.json');
}

describe('npm run keys', () => {
  it('adds a scoped key, storing only its digest, and the service accepts it', () => {
    const file = keyFile();
    const { key, entry } = addKey(file, 'supervisor', ['D01'], 'district-01');
    expect(entry).toEqual({ keySha256: sha256(key).toString('hex'), role: 'supervisor', units: ['D01'], name: 'district-01' });
    expect(readFileSync(file, 'utf8')).not.toContain(key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(ApiKeyStore.open(file).authenticate(key)?.principal).toEqual({ name: 'district-01', role: 'supervisor', units: ['D01'] });
  });

  it('adds a reader key for a downstream system (the event feed), for all units or some', () => {
    const file = keyFile();
    const { key } = addKey(file, 'reader', undefined, 'portal-sync');
    const scoped = addKey(file, 'reader', ['HUYEN-AN'], 'warehouse-huyen-an');
    const store = ApiKeyStore.open(file);
    expect(store.authenticate(key)?.principal).toEqual({ name: 'portal-sync', role: 'reader' });
    expect(store.authenticate(scoped.key)?.principal).toEqual({ name: 'warehouse-huyen-an', role: 'reader', units: ['HUYEN-AN'] });
  });

  it('keeps the entries already there, and removes by name or fingerprint', () => {
    const file = keyFile();
    addKey(file, 'admin', undefined, 'ops');
    writeFileSync(file, JSON.stringify([...JSON.parse(readFileSync(file, 'utf8')), { key: 'a-clear-key-of-the-operator', role: 'auditor' }]));
    const { key } = addKey(file, 'integrator', ['C01'], undefined);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(3);
    expect(removeKeys(file, { fingerprint: fingerprintOf(sha256(key)) })).toBe(1);
    expect(removeKeys(file, { name: 'nobody' })).toBe(0);
    expect(removeKeys(file, { name: 'ops' })).toBe(1);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([{ key: 'a-clear-key-of-the-operator', role: 'auditor' }]);
    // The last key is not removed: a service nobody can call is a mistake.
    expect(() => removeKeys(file, { fingerprint: fingerprintOf(sha256('a-clear-key-of-the-operator')) })).toThrow(/holds no keys/);
  });

  it('refuses to edit a malformed file', () => {
    const file = keyFile();
    addKey(file, 'admin', undefined, 'ops');
    writeFileSync(file, '[{"key": "short", "role": "admin"}]');
    expect(() => addKey(file, 'admin', undefined, undefined)).toThrow(/entry 0/);
  });
});
