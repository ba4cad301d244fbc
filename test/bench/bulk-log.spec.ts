import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Runs support/both-logs.ts in a process with the TypeScript loader, which the workload's worker thread inherits. */
function runBothLogs(dir: string, dossiers: number): Promise<Record<string, unknown>> {
  const args = ['--import', './test/support/register-ts.mjs', 'test/bench/support/both-logs.ts', dir, String(dossiers)];
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
      if (code !== 0 || line === undefined) reject(new Error(`both-logs exited with ${code}: ${stderr || stdout}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)));
    });
  });
}

describe("the benchmark's bulk log writer", () => {
  it('writes what appending the same workload through the store writes: positions, streams, revisions, ids, data, metadata and hashes; the audit verifies it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulk-log-test-'));
    try {
      const result = await runBothLogs(dir, 2000);
      const events = result.events as Record<string, number>;
      // The dossiers' events (the tally), after the calendar, units and procedures.
      expect(events.tally).toBeGreaterThan(8000);
      expect(events.appended).toBeGreaterThan(events.tally);
      expect(events).toEqual({ ...events, bulk: events.appended, bulkCount: events.appended });
      expect(result).toMatchObject({ sameTally: true, firstDifference: -1, hashed: true, verification: { verified: true, events: events.appended } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
