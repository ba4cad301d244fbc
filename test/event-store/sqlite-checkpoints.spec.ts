import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Runs support/checkpoints.ts in a process with the TypeScript loader, which its worker thread inherits. */
function runCheckpoints(dir: string): Promise<Record<string, unknown>> {
  const args = ['--import', './test/support/register-ts.mjs', 'test/event-store/support/checkpoints.ts', dir];
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
      if (code !== 0 || line === undefined) reject(new Error(`checkpoints exited with ${code}: ${stderr || stdout}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)));
    });
  });
}

describe('SQLite store: checkpoints of the log in a worker thread', () => {
  it('copy the whole log in place of some flushes, so that the log starts over; flush when a reader keeps them from it; lose nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqlite-checkpoints-'));
    try {
      const result = await runCheckpoints(dir);
      expect(result).toEqual({
        stats: { thread: 'worker', complete: expect.any(Number), incomplete: 0 },
        whileReading: { flushedEveryCommit: true, incomplete: 1 },
        appended: 8400,
        stored: 8400,
        integrity: 'ok',
        flushesFewerThanCommits: true,
        logBounded: true,
      });
      expect((result.stats as { complete: number }).complete).toBeGreaterThanOrEqual(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
