import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyStore } from '../../src/access/api-keys.js';
import { baseUrlOf, formatBanner } from '../../src/operations/banner.js';

describe('the start banner', () => {
  it('names the address a person opens: localhost for a wildcard listen address, brackets for IPv6', () => {
    expect(baseUrlOf('0.0.0.0', 3000)).toBe('http://localhost:3000');
    expect(baseUrlOf('::', 8080)).toBe('http://localhost:8080');
    expect(baseUrlOf('10.1.2.3', 3000)).toBe('http://10.1.2.3:3000');
    expect(baseUrlOf('::1', 3000)).toBe('http://[::1]:3000');
  });

  it('shows the keys by role only when some were generated at this start', () => {
    const facts = { host: '0.0.0.0', port: 3000, dataDir: '/srv/data', eventStore: 'sqlite' };
    const plain = formatBanner(facts);
    expect(plain).toContain('  dashboard     http://localhost:3000/\n');
    expect(plain).toContain('  API explorer  http://localhost:3000/docs\n');
    expect(plain).toContain('  data          /srv/data\n');
    expect(plain).not.toContain('API keys');
    const withKeys = formatBanner({ ...facts, keys: [{ role: 'integrator', name: 'initial-integrator', key: 'k'.repeat(43) }, { role: 'admin', name: 'initial-admin', key: 'a'.repeat(43) }], keysFile: '/srv/data/api-keys.json' });
    expect(withKeys).toContain(`    integrator  ${'k'.repeat(43)}\n    admin       ${'a'.repeat(43)}\n`);
    expect(withKeys).toContain('/srv/data/api-keys.json keeps only their SHA-256');
  });

  it('the key store holds the keys generated on a terminal for the banner, once, and writes no file beside', () => {
    const dir = mkdtempSync(join(tmpdir(), 'banner-'));
    try {
      const printed: string[] = [];
      const store = ApiKeyStore.open(join(dir, 'api-keys.json'), { print: (text) => printed.push(text), tty: true, holdForBanner: true });
      expect(printed).toEqual([]);
      const keys = store.takeGeneratedKeys()!;
      expect(keys.map((k) => k.role).sort()).toEqual(['admin', 'auditor', 'integrator', 'supervisor']);
      for (const { key, role } of keys) expect(store.authenticate(key)?.principal.role).toBe(role);
      expect(store.takeGeneratedKeys()).toBeUndefined();
      expect(readdirSync(dir)).toEqual(['api-keys.json']);
      // A later start finds the file: nothing generated, nothing held.
      expect(ApiKeyStore.open(join(dir, 'api-keys.json'), { tty: true, holdForBanner: true }).takeGeneratedKeys()).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
