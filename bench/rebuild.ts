/**
 * The rebuild alone, on a data directory the benchmark kept (`npm run bench -- --keep`; the
 * directories are printed) or any service's DATA_DIR (stopped): the read models are deleted, then
 * built from the log as a first start does, and optionally rebuilt once more with the first index
 * in memory, as POST /projections/rebuild does in a running service.
 *
 *   npm run build && node --max-semi-space-size=64 --min-semi-space-size=64 --heap-growing-percent=50 dist/bench/rebuild.js <data-dir> [--worker=auto|always|never] [--twice] [--memory] [--models=registered|none]
 *
 * The registered read models (registry.ts) are rebuilt with the views, as in the service, unless
 * `--models=none`.
 *
 * Prints one JSON line per rebuild: events, events/s, where the rows were written, and the
 * process CPU per event (user + system, all threads), which moves much less than the wall time
 * when other processes share the machine, and the CPU seconds of the busiest threads (Linux: from
 * /proc, sampled; `main` is this thread, the workers show as `node` or by their name). `--memory` adds, every second, the RSS, this thread's
 * heap (used, and committed: its garbage counts in the RSS until collected) and the events replayed
 * so far (stderr): where in a rebuild the peak is.
 */
import { Logger } from '@nestjs/common';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { compileCalendar, loadDefaultCalendarSpec } from '../src/calendar/index.js';
import { Projector } from '../src/projections/projector.js';
import { READ_MODELS } from '../src/projections/registry.js';
import { textOption } from './options.js';
import type { WorkerMode } from '../src/common/worker-channel.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node dist/bench/rebuild.js <data-dir> [--worker=auto|always|never] [--twice] [--memory] [--models=registered|none]\n');
  process.exit(2);
}
// Outside an application the projector logs through Nest's default logger: silenced here.
Logger.overrideLogger(false);
const worker = (textOption('worker') ?? 'auto') as WorkerMode;
const modelsOption = textOption('models') ?? 'registered';
if (modelsOption !== 'registered' && modelsOption !== 'none') throw new Error('--models takes registered or none');
const calendar = compileCalendar(loadDefaultCalendarSpec());
const setup = { models: modelsOption === 'registered' ? READ_MODELS : [], context: { calendar: () => calendar } };
for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `read-models.db${suffix}`), { force: true });

const store = SqliteEventStore.open({ file: join(dir, 'events.db') });
const projector = new Projector(store, loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), worker, setup);
const report = (kind: string, cpu: NodeJS.CpuUsage, r: { events: number; eventsPerSecond: number; durationMs: number; writer: string }) =>
  console.log(
    JSON.stringify({
      kind,
      models: setup.models.map((m) => m.name),
      events: r.events,
      eventsPerSecond: r.eventsPerSecond,
      durationMs: r.durationMs,
      writer: r.writer,
      cpuUsPerEvent: +((cpu.user + cpu.system) / r.events).toFixed(2),
      rssMb: Math.round(process.memoryUsage().rss / 1048576),
      // The process's peak so far (all threads, SQLite's page caches included).
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      threadCpuS: busiestThreads(),
      // Where the views' pass over the log ended (sampled): the rest is the registered models' pass and the swap.
      viewsPass: viewsDone === undefined ? undefined : { ms: Math.round(viewsDone.ms), cpuUsPerEvent: +((viewsDone.cpu.user + viewsDone.cpu.system) / r.events).toFixed(2) },
    }),
  );
/** The most CPU each thread was seen with (ms), sampled from /proc: worker threads end before the report. */
const threadCpu = new Map<string, { name: string; ms: number }>();
function sampleThreads(): void {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      const name = Number(tid) === process.pid ? 'main' : readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      threadCpu.set(tid, { name, ms });
    }
  } catch {
    // not Linux, or a thread gone between the listing and the read
  }
}
const head = (await store.headPosition()) ?? 0;
/** When the rebuild's progress reached the head: the views' pass done, CPU since the start. */
let viewsDone: { ms: number; cpu: NodeJS.CpuUsage } | undefined;
let passStarted = { at: 0, cpu: process.cpuUsage() };
const threadSampler = setInterval(() => {
  sampleThreads();
  if (viewsDone !== undefined) return;
  const at = performance.now();
  const cpu = process.cpuUsage(passStarted.cpu);
  void projector.status().then((s) => {
    if (viewsDone === undefined && s.rebuild.running && s.rebuild.events >= head) viewsDone = { ms: at - passStarted.at, cpu };
  });
}, 200);
const busiestThreads = () => {
  sampleThreads();
  const top = [...threadCpu.values()].sort((a, b) => b.ms - a.ms).slice(0, 5);
  threadCpu.clear();
  return top.map((t) => `${t.name} ${(t.ms / 1000).toFixed(1)}`).join(', ');
};
const started = performance.now();
/** The highest RSS since the last line of `--memory` (sampled with the threads, every 200 ms). */
let rssPeak = 0;
const sampler = process.argv.includes('--memory')
  ? setInterval(() => {
      const m = process.memoryUsage();
      const peak = Math.max(rssPeak, m.rss);
      rssPeak = 0;
      void projector.status().then((s) =>
        process.stderr.write(
          `${((performance.now() - started) / 1000).toFixed(1)} s: rss ${Math.round(m.rss / 1048576)} MB (peak ${Math.round(peak / 1048576)}), heap ${Math.round(m.heapUsed / 1048576)} MB (committed ${Math.round(m.heapTotal / 1048576)}), ` +
            `buffers ${Math.round(m.arrayBuffers / 1048576)} MB, events ${s.rebuild.events}, checkpoint ${s.checkpoint}\n`,
        ),
      );
    }, 1000)
  : undefined;
try {
  let cpu = process.cpuUsage();
  passStarted = { at: performance.now(), cpu };
  projector.onModuleInit(); // an empty read-model file: the first start's rebuild
  await projector.whenCaughtUp();
  const first = (await projector.status()).rebuild.last;
  if (first === null) throw new Error('no rebuild ran');
  report('first start', process.cpuUsage(cpu), first);
  if (process.argv.includes('--twice')) {
    cpu = process.cpuUsage();
    passStarted = { at: performance.now(), cpu };
    viewsDone = undefined;
    const second = await projector.rebuild();
    report('rebuild with the index in memory', process.cpuUsage(cpu), second);
  }
} finally {
  clearInterval(sampler);
  clearInterval(threadSampler);
  await projector.beforeApplicationShutdown();
  projector.onApplicationShutdown();
  await store.close();
}
