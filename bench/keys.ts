/** API keys the benchmarks write into their data directories (one per role, all units). */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BENCH_KEYS = {
  admin: 'bench-admin-key-000000000001',
  integrator: 'bench-integrator-key-0000001',
  supervisor: 'bench-supervisor-key-0000001',
  auditor: 'bench-auditor-key-000000001',
  reader: 'bench-reader-key-0000000001',
} as const;

export type BenchRole = keyof typeof BENCH_KEYS;

/** Writes DATA_DIR/api-keys.json as the access guard reads it: `[{ key, role, name }]`. */
export function writeKeyFile(dataDir: string): void {
  const file = join(dataDir, 'api-keys.json');
  if (existsSync(file)) return;
  const entries = (Object.keys(BENCH_KEYS) as BenchRole[]).map((role) => ({ key: BENCH_KEYS[role], role, name: `bench-${role}` }));
  writeFileSync(file, JSON.stringify(entries, null, 2), { mode: 0o600 });
}

export const bearer = (role: BenchRole): string => `Bearer ${BENCH_KEYS[role]}`;
