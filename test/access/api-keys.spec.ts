import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAFF_ROLES } from '../../src/access/principal.js';
import { ApiKeyFileError, ApiKeyStore, fingerprintOf, parseApiKeys, sha256 } from '../../src/access/api-keys.js';
import { createApiKeyFile, formatGeneratedKeys } from '../../src/access/initial-keys.js';
import { ConfigError } from '../../src/config.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'access-keys-'));
  dirs.push(dir);
  return dir;
}
beforeAll(() => Logger.overrideLogger(false));
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const KEY = 'a-long-enough-key-0001';
const parse = (entries: unknown) => parseApiKeys(JSON.stringify(entries), '/etc/keys.json');
const problemsOf = (entries: unknown): string => {
  try {
    parse(entries);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiKeyFileError);
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
};

describe('the API key file', () => {
  it('keeps the SHA-256 of clear keys and of keySha256 entries alike, never the key', () => {
    const hashed = sha256('another-long-enough-key').toString('hex');
    const keys = parse([
      { key: KEY, role: 'integrator', units: ['D01'], name: 'hcm-gateway' },
      { keySha256: hashed.toUpperCase(), role: 'auditor' },
    ]);
    expect(keys[0]!.sha256.equals(sha256(KEY))).toBe(true);
    expect(keys[0]!.principal).toEqual({ name: 'hcm-gateway', role: 'integrator', units: ['D01'] });
    expect(keys[1]!.sha256.toString('hex')).toBe(hashed);
    expect(JSON.stringify(keys)).not.toContain(KEY);
  });

  it('takes the actorId of a key without a name, and marks one with neither as unnamed', () => {
    const [withId, without] = parse([{ key: KEY, role: 'supervisor', actorId: 'key-0123456789abcdef' }, { key: `${KEY}-2`, role: 'auditor' }]);
    expect(fingerprintOf(sha256(KEY))).toBe(sha256(KEY).toString('hex').slice(0, 12));
    expect(withId!.principal).toEqual({ name: 'key-0123456789abcdef', role: 'supervisor' });
    expect(withId!.unnamed).toBeUndefined();
    expect(without!.unnamed).toBe(true);
    expect(without!.principal.name).not.toContain(sha256(`${KEY}-2`).toString('hex').slice(0, 12));
  });

  it.each([
    ['not JSON', '{', /is not valid JSON/],
    ['not an array', '{}', /must hold a JSON array/],
    ['empty', '[]', /holds no keys/],
  ])('refuses a file that is %s', (_, text, message) => {
    expect(() => parseApiKeys(text, '/etc/keys.json')).toThrow(message);
  });

  it('says which entry is wrong and what is wrong with it, for every entry at once', () => {
    const message = problemsOf([
      { key: KEY, role: 'integrator' },
      { key: 'short', role: 'integrator', name: 'too-short' },
      { key: 'x'.repeat(20), role: 'root' },
      { role: 'auditor' },
      { key: 'y'.repeat(20), keySha256: sha256('z').toString('hex'), role: 'auditor' },
      { keySha256: 'abc', role: 'auditor' },
      { key: 'w'.repeat(20), role: 'supervisor', units: [] },
      { key: 'v'.repeat(20), role: 'supervisor', units: ['D01', 'no spaces'] },
      { key: 'u'.repeat(20), role: 'supervisor', unit: 'D01' },
      { key: KEY, role: 'admin' },
      'a string',
      { key: 't'.repeat(20), role: 'admin', name: 't'.repeat(20) },
      { key: 'key with spaces 0000', role: 'admin' },
    ]);
    expect(message).toContain('/etc/keys.json');
    const lines = message.split('\n').slice(1);
    const expected = [
      /entry 1 \("too-short"\): "key" must be 16 to 512 characters/,
      /entry 2: "role" must be one of integrator, supervisor, auditor, admin, reader, not "root"/,
      /entry 3: needs "key" or "keySha256"/,
      /entry 4: give either "key" or "keySha256", not both/,
      /entry 5: "keySha256" must be 64 hexadecimal digits/,
      /entry 6: "units" must be a non-empty array/,
      /entry 7: "units" holds ids that are not \[A-Za-z0-9._-\]\{1,64\}: "no spaces"/,
      /entry 8: unknown field "unit"/,
      /entry 9: the same key as entry 0/,
      /entry 10: must be an object/,
      /entry 11 \("t+"\): "name" must not be the key itself/,
      /entry 12: "key" must be printable ASCII without spaces/,
    ];
    expect(lines).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(lines[i]).toMatch(pattern));
  });

  it('is created with one fresh key per role, readable by its owner only, holding digests only', () => {
    const file = join(tempDir(), 'nested', 'api-keys.json');
    const generated = createApiKeyFile(file)!;
    expect(generated.map((k) => k.role)).toEqual([...STAFF_ROLES]);
    expect(new Set(generated.map((k) => k.key)).size).toBe(STAFF_ROLES.length);
    for (const { key } of generated) expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    for (const { key } of generated) expect(text).not.toContain(key);
    const entries = JSON.parse(text) as { keySha256: string; role: string; name: string }[];
    expect(entries.map((e) => [e.role, e.name, e.keySha256])).toEqual(generated.map((k) => [k.role, k.name, sha256(k.key).toString('hex')]));
    // Never overwrites a file that is there already.
    expect(createApiKeyFile(file)).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('lays the generated keys out as a block naming the file', () => {
    const keys = [{ role: 'admin' as const, name: 'initial-admin', key: 'k'.repeat(43) }];
    const block = formatGeneratedKeys('/data/api-keys.json', keys);
    expect(block).toMatch(/admin\s+initial-admin\s+k{43}/);
    expect(block).toContain('/data/api-keys.json');
  });
});

describe('the key store', () => {
  it('creates a missing file at open, shows its keys once on a terminal, and they authenticate', () => {
    const file = join(tempDir(), 'api-keys.json');
    const printed: string[] = [];
    const store = ApiKeyStore.open(file, { print: (text) => printed.push(text), tty: true });
    expect(printed).toHaveLength(1);
    const keys = [...printed[0]!.matchAll(/initial-\w+\s+([A-Za-z0-9_-]{43})/g)].map((m) => m[1]!);
    expect(keys).toHaveLength(4);
    expect(keys.map((k) => store.authenticate(k)?.principal.role)).toEqual([...STAFF_ROLES]);
    expect(store.authenticate(keys[0]!)?.principal.name).toBe('initial-integrator');
    // A second start loads the file and prints nothing.
    ApiKeyStore.open(file, { print: (text) => printed.push(text) });
    expect(printed).toHaveLength(1);
  });

  it('refuses to start on a malformed file', () => {
    const file = join(tempDir(), 'api-keys.json');
    writeFileSync(file, JSON.stringify([{ key: KEY, role: 'boss' }]));
    expect(() => ApiKeyStore.open(file)).toThrow(/entry 0: "role" must be one of/);
  });

  it('answers undefined for an unknown, empty or near-miss key', () => {
    const file = join(tempDir(), 'api-keys.json');
    writeFileSync(file, JSON.stringify([{ key: KEY, role: 'admin' }, { key: `${KEY}x`, role: 'auditor' }]));
    const store = ApiKeyStore.open(file);
    expect(store.authenticate(KEY)?.principal.role).toBe('admin');
    expect(store.authenticate(`${KEY}x`)?.principal.role).toBe('auditor');
    expect(store.authenticate(KEY.slice(0, -1))).toBeUndefined();
    expect(store.authenticate('')).toBeUndefined();
    expect(store.authenticate(sha256(KEY).toString('hex'))).toBeUndefined();
  });

  it('picks up a rotated file without a restart, and keeps the old keys when the new file is malformed', () => {
    const file = join(tempDir(), 'api-keys.json');
    let now = 1_000_000;
    writeFileSync(file, JSON.stringify([{ key: KEY, role: 'admin', name: 'old' }]));
    const store = ApiKeyStore.open(file, { now: () => now, recheckMs: 1000 });
    const rotated = 'the-new-key-after-rotation';
    const touch = (text: string, seconds: number) => {
      writeFileSync(file, text);
      utimesSync(file, seconds, seconds);
    };

    touch(JSON.stringify([{ key: rotated, role: 'admin', name: 'new' }]), 2_000_000);
    now += 500; // not checked again yet
    expect(store.authenticate(KEY)?.principal.name).toBe('old');
    now += 600;
    expect(store.authenticate(KEY)).toBeUndefined();
    expect(store.authenticate(rotated)?.principal.name).toBe('new');

    touch('[{ "key": ', 2_000_100);
    now += 1000;
    expect(store.authenticate(rotated)?.principal.name).toBe('new');

    rmSync(file);
    now += 1000;
    expect(store.authenticate(rotated)?.principal.name).toBe('new');
  });
});
