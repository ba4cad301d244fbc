/**
 * DATA_DIR holds the whole event history, the read models and the key file: readable by the
 * service's user only. New files are made private by the process umask; what an older version
 * left readable by others (a 0755 folder, 0644 databases) is tightened at start.
 */
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** The service's own files in DATA_DIR: the SQLite databases with their -wal and -shm, the keys. */
const PRIVATE_FILE = /(\.db(-wal|-shm|-journal)?|^api-keys\.json|^initial-keys\.txt)$/;

export function secureDataDir(dataDir: string): void {
  // Every file the process creates from here on (databases, their -wal and -shm, rebuilt read
  // models, key files) is 0600 and every folder 0700. Worker threads share it (and may not set it).
  if (isMainThread) process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  tighten(dataDir, 0o700);
  for (const name of readdirSync(dataDir)) {
    if (!PRIVATE_FILE.test(name)) continue;
    const file = join(dataDir, name);
    if (statSync(file).isFile()) tighten(file, 0o600);
  }
}

function tighten(path: string, mode: number): void {
  try {
    if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
  } catch (error) {
    // Not ours to change (a mounted volume, say): serve anyway, and say so.
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'warn', context: 'DataDir', msg: `could not make ${path} private (mode ${mode.toString(8)})`, error: (error as Error).message }) + '\n');
  }
}
