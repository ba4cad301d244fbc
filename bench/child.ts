/** Starts bench/server.ts in a child process and talks to it over IPC. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerCpu, ServerReady, ServerStopped } from './server.js';

export interface RunningServer {
  port: number;
  startupMs: number;
  pid: number;
  url: string;
  /** CPU time used by the server process so far (microseconds). */
  cpuUs(): Promise<number>;
  stop(): Promise<ServerStopped>;
  /** Ends it as a crash would (SIGKILL): nothing is saved. */
  kill(): Promise<void>;
}

export interface ServerOptions {
  /** Write a V8 CPU profile of the server into this folder (node --cpu-prof). */
  profileDir?: string;
  /** Load the demo province on first start. */
  demo?: boolean;
  /** Another build's dist/bench/server.js (to measure two versions side by side); this build's by default. */
  serverScript?: string;
}

const SERVER = fileURLToPath(new URL('./server.js', import.meta.url));

/**
 * The Node flags the service runs with (`npm start`, docker/Dockerfile): both servers get them, so
 * that the service is measured as it runs and the bare route is served the same way. The young
 * generation is held at 64 MiB rather than grown and shrunk from 1 MiB: fewer scavenges, and no
 * memory given back to be faulted in again. The old generation grows by half of what the last
 * collection kept, not up to four times: a rebuild's main thread makes garbage fast.
 */
const SERVICE_NODE_FLAGS = ['--max-semi-space-size=64', '--min-semi-space-size=64', '--heap-growing-percent=50'];

export function startServer(kind: 'app' | 'bare', dataDir: string | undefined, o: ServerOptions = {}): Promise<RunningServer> {
  const execArgv = [
    ...SERVICE_NODE_FLAGS,
    ...(o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`, `--cpu-prof-name=${kind}-${Date.now()}.cpuprofile`] : []),
  ];
  const args = [kind, ...(dataDir ? [dataDir] : []), ...(o.demo ? ['--demo'] : [])];
  const child = fork(o.serverScript ?? SERVER, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench server ${kind} exited with ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('message', (message: ServerReady) => {
      child.off('exit', onExit);
      resolve({
        port: message.port,
        startupMs: message.startupMs,
        pid: child.pid!,
        url: `http://127.0.0.1:${message.port}`,
        cpuUs: () =>
          new Promise<number>((done) => {
            const onMessage = (m: ServerCpu) => {
              if (typeof m.cpuUs !== 'number') return;
              child.off('message', onMessage);
              done(m.cpuUs);
            };
            child.on('message', onMessage);
            child.send({ cmd: 'cpu' });
          }),
        kill: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
        stop: () =>
          new Promise<ServerStopped>((done, fail) => {
            const timer = setTimeout(() => {
              child.kill('SIGKILL');
              fail(new Error(`bench server ${kind} did not stop`));
            }, 120_000);
            child.once('message', (m: ServerStopped) => {
              clearTimeout(timer);
              child.once('exit', () => done(m));
            });
            child.send({ cmd: 'stop' });
          }),
      });
    });
  });
}
