/**
 * The command thread's CPU per command: `POST /dossiers` from autocannon (32 connections) against
 * the built service in a process of its own, started as the benchmark starts it, with the CPU time
 * of its main thread read from /proc (Linux) besides the whole process's. The main thread bounds
 * the throughput, and its CPU per command moves much less than the throughput when other work
 * shares the machine. To compare two versions, build each into a folder of its own and run this
 * tool from each, alternately.
 *
 *   npm run build && node dist/bench/thread-cpu.js [--seconds=10] [--rounds=3] [--profile=DIR] [--mix]
 *
 * `--profile=DIR` writes a V8 CPU profile of the service into DIR (summarise it with
 * `node dist/bench/profile.js <file>`): the receive path alone, unlike the full run's profile.
 * `--mix` sends the benchmark's second scenario instead (receive, transfer, resolve in turn).
 *
 * Prints one JSON line per round.
 */
import autocannon from 'autocannon';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './child.js';
import { commandRequests } from './http.js';
import { numberOption as option, textOption } from './options.js';

const seconds = option('seconds', 10);
const rounds = option('rounds', 3);
const profileDir = textOption('profile');
/** The benchmark's second scenario: receive, transfer and resolve of the same dossier in turn on each connection. */
const mix = process.argv.includes('--mix');

/** User + system CPU of one thread, in microseconds (clock ticks of 10 ms). */
function threadCpuUs(pid: number, tid: number): number {
  const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** CPU of every thread of the process by thread name (main, the workers, libuv's pool, V8's helpers), in microseconds. */
function threadsCpuUs(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = Number(tid) === pid ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      byName.set(name, (byName.get(name) ?? 0) + threadCpuUs(pid, Number(tid)));
    } catch {
      // the thread ended meanwhile
    }
  }
  return byName;
}

const dir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'dossier-thread-cpu-'));
const app = await startServer('app', dir, { demo: true, profileDir });
try {
  const stamp = Date.now().toString(36);
  await autocannon({ url: app.url, connections: 32, duration: 3, requests: commandRequests(`w${stamp}`, false) });
  for (let r = 0; r < rounds; r++) {
    const threads0 = threadsCpuUs(app.pid);
    const cpu0 = await app.cpuUs();
    const result = await autocannon({ url: app.url, connections: 32, duration: seconds, requests: commandRequests(`r${stamp}${r}`, mix) });
    const answered = Math.max(1, result['2xx'] + result.non2xx);
    const threads: Record<string, number> = {};
    for (const [name, us] of threadsCpuUs(app.pid)) {
      const perCommand = Math.round((us - (threads0.get(name) ?? 0)) / answered);
      if (perCommand > 0) threads[name] = perCommand;
    }
    console.log(
      JSON.stringify({
        round: r + 1,
        commandsPerSecond: Math.round(result['2xx'] / result.duration),
        non2xx: result.non2xx,
        mainThreadCpuUsPerCommand: threads.main ?? 0,
        processCpuUsPerCommand: Math.round(((await app.cpuUs()) - cpu0) / answered),
        threadsCpuUsPerCommand: threads,
      }),
    );
  }
} finally {
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
}
