import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import type { Clock } from '../../src/common/clock.js';
import { loadConfig, type AppConfig } from '../../src/config.js';

/**
 * Deterministic unscoped keys, one per role, written to the test's key file. Their names (the
 * `actor` of the events they cause) are `test-<role>`: `test-admin`, `test-integrator`, ...
 */
export const TEST_KEYS = {
  admin: 'test-admin-api-key',
  integrator: 'test-integrator-api-key',
  supervisor: 'test-supervisor-api-key',
  auditor: 'test-auditor-api-key',
  reader: 'test-reader-api-key',
} as const;
export type TestRole = keyof typeof TEST_KEYS;

/** An entry of the key file (see src/access/api-keys.ts). */
export interface TestKeyEntry {
  key: string;
  role: TestRole;
  units?: string[];
  name?: string;
}

/** The Authorization header of a test key, by role, or of any key given as `{ key }`. */
export function auth(who: TestRole | { key: string }): { Authorization: string } {
  return { Authorization: `Bearer ${typeof who === 'string' ? TEST_KEYS[who] : who.key}` };
}

type Verb = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head';
/** supertest, with an Authorization header already set on every request. */
export type AuthorizedHttp = Record<Verb, (url: string) => request.Test>;

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** Requests without a key (only /health and /docs answer them). */
  http: ReturnType<typeof request>;
  /** The test keys by role (unscoped; in force unless the test gave its own API_KEYS_FILE). */
  keys: typeof TEST_KEYS;
  /** Requests with a role's test key, or with any key: `t.as('integrator').post('/dossiers').send(...)`. */
  as(who: TestRole | { key: string }): AuthorizedHttp;
  /** Closes the app; the data directory stays for a restart unless `remove` is set. */
  close(options?: { remove?: boolean }): Promise<void>;
}

export interface TestAppOptions {
  /** More keys written to the key file besides TEST_KEYS (e.g. keys scoped to some units). */
  extraKeys?: TestKeyEntry[];
  /** Where the service's log lines go (LOG_LEVEL is silent unless env sets it). */
  logDestination?: { write(line: string): void };
  /** The service's clock: a FakeClock (./fake-clock.ts) fixes time for the test; the system clock by default. */
  clock?: Clock;
}

/** A temporary data directory of its own, removed by close({ remove: true }). */
export function tempDataDir(prefix = 'dossier-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts the real service (real SQLite files, real HTTP stack) on a data directory. */
export async function startTestApp(
  env: Record<string, string> = {},
  dataDir = tempDataDir(),
  options: TestAppOptions = {},
): Promise<TestApp> {
  const keysFile = join(dataDir, 'api-keys.json');
  // A restart on the same directory keeps the file it finds (unless given more keys to write).
  if (!env.API_KEYS_FILE && (!existsSync(keysFile) || options.extraKeys)) {
    const keys: TestKeyEntry[] = (Object.keys(TEST_KEYS) as TestRole[]).map((role) => ({ key: TEST_KEYS[role], role, name: `test-${role}` }));
    writeFileSync(keysFile, JSON.stringify([...keys, ...(options.extraKeys ?? [])], null, 2), { mode: 0o600 });
  }
  // The demo province, without its year of dossiers (seconds per start): SEED_DEMO_HISTORY=true where a test needs it.
  // No seal of the log unless a test asks (AUDIT_SEAL_EVERY_*): a seal appended beside a test's own
  // events would move their positions by a timing.
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, SEED_DEMO_HISTORY: 'false', AUDIT_SEAL_EVERY_EVENTS: '0', AUDIT_SEAL_EVERY_MINUTES: '0', ...env });
  const app = await createApp(config, { logDestination: options.logDestination, clock: options.clock });
  const http = request(app.getHttpServer());
  const as = (who: TestRole | { key: string }): AuthorizedHttp => {
    const header = auth(who);
    const verb = (v: Verb) => (url: string) => http[v](url).set(header);
    return { get: verb('get'), post: verb('post'), put: verb('put'), patch: verb('patch'), delete: verb('delete'), head: verb('head') };
  };
  return {
    app,
    config,
    http,
    keys: TEST_KEYS,
    as,
    async close(options = {}) {
      await app.close();
      if (options.remove) rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
