import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs a TypeScript script of the tests (path from the repository root) in a Node process of its
 * own (started with `nodeFlags`), with the TypeScript loader, which its worker threads inherit; answers the JSON of the line
 * `RESULT <json>` it prints, and fails with its output if it exits otherwise than 0 or prints none.
 */
export function runScriptResult<T>(script: string, args: string[], nodeFlags: string[] = []): Promise<T> {
  // Jest's NODE_OPTIONS (--experimental-vm-modules) is not for the child.
  const proc = spawn(process.execPath, [...nodeFlags, '--import', './test/support/register-ts.mjs', script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`${script} exited with ${code}: ${stderr || stdout}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as T);
    });
  });
}
