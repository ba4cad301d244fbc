import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir } from './support/store.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Runs support/worker-writers.ts in a process with the TypeScript loader, which its worker thread inherits. */
function runWorkerWriters(dir: string): Promise<Record<string, Record<string, unknown>>> {
  const args = ['--import', './test/support/register-ts.mjs', 'test/projections/support/worker-writers.ts', dir];
  // Jest's NODE_OPTIONS (--experimental-vm-modules) is not for the child.
  const proc = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`worker-writers exited with ${code}: ${stderr || stdout}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)));
    });
  });
}

describe('worker threads: the log reader and writer of a rebuild', () => {
  it('write the same table and build the same index as batches applied in one thread, read-backs included, and keep it across a restart', async () => {
    const tmp = tempDir();
    try {
      const result = await runWorkerWriters(tmp.dir);
      expect(result.direct).toEqual({ thread: 'worker', readBack: expect.any(Number), sameTable: true, sameReports: true });
      expect(result.direct.readBack).toBeGreaterThan(0);
      expect(result.projector).toEqual({
        writer: 'worker', logPages: 'worker', logHeldAgain: true, checkpointIsHead: true, sameTable: true, sameReports: true,
        quarantined: ['dossier-poison-live', 'dossier-poison-rebuild'],
      });
      expect(result.restart).toEqual({ sameTable: true, sameReports: true, quarantined: 2 });
      expect(result.logReader).toEqual({ thread: 'worker', events: 300, sameLog: true });
    } finally {
      tmp.remove();
    }
  }, 60_000);
});
