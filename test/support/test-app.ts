import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig, type AppConfig } from '../../src/config.js';

/** Deterministic unscoped keys, one per role, written to the test's key file. */
export const TEST_KEYS = {
  admin: 'test-admin',
  integrator: 'test-integrator',
  supervisor: 'test-supervisor',
  auditor: 'test-auditor',
} as const;
export type TestRole = keyof typeof TEST_KEYS;

/** The Authorization header of a test key. */
export function auth(role: TestRole): { Authorization: string } {
  return { Authorization: `Bearer ${TEST_KEYS[role]}` };
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  http: ReturnType<typeof request>;
  /** Closes the app; the data directory stays for a restart unless `remove` is set. */
  close(options?: { remove?: boolean }): Promise<void>;
}

/** A temporary data directory of its own, removed by close({ remove: true }). */
export function tempDataDir(prefix = 'dossier-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts the real service (real SQLite files, real HTTP stack) on a data directory. */
export async function startTestApp(env: Record<string, string> = {}, dataDir = tempDataDir()): Promise<TestApp> {
  const keysFile = join(dataDir, 'api-keys.json');
  if (!env.API_KEYS_FILE && !existsSync(keysFile)) {
    const keys = Object.entries(TEST_KEYS).map(([role, key]) => ({ key, role, name: `test-${role}` }));
    writeFileSync(keysFile, JSON.stringify(keys, null, 2), { mode: 0o600 });
  }
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...env });
  const app = await createApp(config);
  return {
    app,
    config,
    http: request(app.getHttpServer()),
    async close(options = {}) {
      await app.close();
      if (options.remove) rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
