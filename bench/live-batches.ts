/**
 * The live projection's batches in-process, without the service: a data directory's log applied
 * to a fresh live read-model file in batches of the size the subscription delivers under load
 * (the views, the report deltas and every registered read model, committed with the checkpoint
 * as live-projection.ts commits them; the report index following), and the CPU each part costs
 * per event: the fold, the rows written, the commit itself, the index; the wall time of each
 * batch's transaction (p50, p99, max); and the CPU of each hold of the thread (fold, transaction
 * and index), which the commands waiting behind it feel. `--part`: each batch committed in parts of
 * that many events, a hold each (what a cap on the live projection's transactions would cost).
 *
 *   npm run build && node dist/bench/live-batches.js --dir=<data dir> [--scratch=<file>] [--batch=50] [--part=<batch>] [--events=200000] [--skip=100000]
 *     [--without=attention,entry_lag] [--pragma='wal_autocheckpoint = 10000']
 *
 * The first `--skip` events are applied in large batches (not measured): the file then has the
 * size a running service's has before the measured part.
 */
import { Logger } from '@nestjs/common';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { compileCalendar, loadDefaultCalendarSpec } from '../src/calendar/index.js';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { ReadModels } from '../src/projections/read-models.js';
import { READ_MODELS } from '../src/projections/registry.js';
import { ReadModelSet } from '../src/projections/seam/read-model-set.js';
import { TimelinessIndex } from '../src/projections/report-index/timeliness-index.js';
import { numberOption, textOption } from './options.js';
import { summarize } from './stats.js';

Logger.overrideLogger(false);
const dir = textOption('dir');
if (dir === undefined) throw new Error('--dir=<data dir> is required');
const scratch = textOption('scratch') ?? join(dir, 'live-batches.db');
const batch = numberOption('batch', 50);
/** Events per transaction within a batch. */
const part = numberOption('part', batch);
const measured = numberOption('events', 200_000);
const skip = numberOption('skip', 100_000);
const pragmas = textOption('pragma')?.split(';') ?? [];
/** Registered read models left out, by name (comma-separated): what each costs. */
const without = textOption('without')?.split(',') ?? [];

const calendar = compileCalendar(loadDefaultCalendarSpec());
ReadModels.remove(scratch);
const models = ReadModels.open(scratch);
// How a setting moves the figures, e.g. --pragma='wal_autocheckpoint = 10000' (the service's are read-models-schema.ts').
for (const p of pragmas) models.database.pragma(p);
const seam = new ReadModelSet(models.database, READ_MODELS.filter((m) => !without.includes(m.name)), { calendar: () => calendar });
const index = new TimelinessIndex();
const store = SqliteEventStore.open({ file: join(dir, 'events.db') });

const cpu = { fold: 0, rows: 0, commit: 0, index: 0 };
let events = 0;
const walls: number[] = [];
/** CPU of each part, fold to index, in ms. */
const holds: number[] = [];
let batches = 0;
const us = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return c.user + c.system;
};

/** As LiveProjection.commit: fold, then the rows and the registered models in one transaction, then the index. */
function apply(page: Parameters<ReadModels['fold']>[0], timed: boolean): void {
  const hold = process.cpuUsage();
  let t = process.cpuUsage();
  const { rows, quarantined, ...folded } = models.fold(page);
  const from = models.checkpoint;
  if (timed) cpu.fold += us(t);
  let body = 0;
  t = process.cpuUsage();
  const w0 = performance.now();
  const applied = models.transaction(() => {
    const b = process.cpuUsage();
    models.commitRows(rows, folded.checkpoint, quarantined);
    const pending = seam.applyLive(page, from, folded.checkpoint);
    body = us(b);
    return pending;
  });
  const total = us(t);
  if (timed) walls.push(performance.now() - w0);
  models.written(folded);
  seam.committed(applied);
  if (timed) {
    cpu.rows += body;
    cpu.commit += total - body;
  }
  t = process.cpuUsage();
  for (const { before, after } of folded.changes) index.replace(before, after);
  if (timed) cpu.index += us(t);
  if (timed) holds.push(us(hold) / 1000);
}

let position = 0;
let done = false;
while (!done) {
  const page = await store.readAllData({ afterPosition: position, maxCount: 5000 });
  if (page.length === 0) break;
  for (let i = 0; i < page.length && !done; ) {
    const warm = events < skip;
    const size = warm ? Math.min(page.length - i, skip - events) : Math.min(batch, page.length - i);
    for (let k = i; k < i + size; k += warm ? size : part) apply(page.slice(k, Math.min(i + size, k + (warm ? size : part))), !warm);
    i += size;
    events += size;
    if (!warm) {
      batches++;
      done = events - skip >= measured;
    }
  }
  position = page[page.length - 1].position;
}

const n = events - skip;
const per = (x: number) => +(x / n).toFixed(2);
console.log(
  JSON.stringify({
    events: n,
    batches,
    batch,
    cpuUsPerEvent: { fold: per(cpu.fold), rows: per(cpu.rows), commit: per(cpu.commit), index: per(cpu.index), total: per(cpu.fold + cpu.rows + cpu.commit + cpu.index) },
    commitUsPerBatch: +(cpu.commit / batches).toFixed(0),
    transactionWallMs: summarize(walls),
    part,
    holdCpuMs: summarize(holds),
  }),
);
models.close();
store.close();
rmSync(scratch, { force: true });
for (const suffix of ['-wal', '-shm']) rmSync(scratch + suffix, { force: true });
