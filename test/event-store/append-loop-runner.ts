import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface Acknowledged {
  revision: number;
  position: number;
}

/**
 * Starts test/event-store/append-loop.ts on the TypeScript sources, lets it acknowledge at least
 * `killAfter` appends, kills it with SIGKILL while it keeps appending, and returns every append
 * it acknowledged (each complete stdout line, including lines already in the pipe at the kill).
 */
export function runAppendLoopAndKill(
  child: { kind: string; target: string },
  streamId: string,
  { killAfter, seed = 7, timeoutMs = 20000 }: { killAfter: number; seed?: number; timeoutMs?: number },
): Promise<Acknowledged[]> {
  const args = ['--import', './test/support/register-ts.mjs', 'test/event-store/append-loop.ts', child.kind, child.target, streamId, String(seed)];
  // Jest's NODE_OPTIONS (--experimental-vm-modules) is not for the child.
  const env = { ...process.env, NODE_OPTIONS: '' };
  const proc = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const acknowledged: Acknowledged[] = [];
  let pending = '';
  let stderr = '';
  let killed = false;
  const kill = () => {
    if (!killed) {
      killed = true;
      proc.kill('SIGKILL');
    }
  };
  const timer = setTimeout(kill, timeoutMs);
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const [revision, position] = line.split(' ').map(Number);
      acknowledged.push({ revision, position });
    }
    if (acknowledged.length >= killAfter) kill();
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    // 'close' comes after stdout has been read to its end.
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') {
        reject(new Error(`append-loop exited by itself (code ${code}, signal ${signal}): ${stderr}`));
      } else if (acknowledged.length < killAfter) {
        reject(new Error(`append-loop acknowledged only ${acknowledged.length} appends before the deadline: ${stderr}`));
      } else {
        resolve(acknowledged);
      }
    });
  });
}
