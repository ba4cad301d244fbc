/**
 * The entry-lag read model in-process, without the service: its cost per event built from a data
 * directory's log (pages of 250, one transaction each, as the service builds it), and its queries
 * at the report's level (the province by child, every child's subtree merged), cold then warm.
 *
 *   npm run build && node dist/bench/entry-lag-model.js --dir=<data dir> [--build=<scratch file>] [--events=N] [--page=250] [--dossiers=100000] [--runs=40] [--steps=2000]
 *
 * With --build the model is built into the scratch file first (its day and month aggregates then
 * summarised once, timed apart) and queried there; without it, the directory's read-models.db is
 * queried as the service left it (opened for writing: a report summarises the days it reads first).
 * With --steps, every day and month is first summarised again by the service's bounded steps.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { compileCalendar, loadDefaultCalendarSpec } from '../src/calendar/index.js';
import { entryLagFigures } from '../src/entry-lag/entry-lag-stats.js';
import { STALE_TABLE } from '../src/entry-lag/entry-lag-compaction.js';
import { entryLagReadModel as model } from '../src/entry-lag/entry-lag.read-model.js';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { numberOption, textOption } from './options.js';
import { summarize } from './stats.js';
import { askPeriods } from './support/entry-lag-periods.js';
import { Workload } from './workload.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
const calendar = compileCalendar(loadDefaultCalendarSpec());
const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

async function main(): Promise<void> {
  const dir = textOption('dir');
  if (dir === undefined) throw new Error('--dir=<data dir> is required');
  const scratch = textOption('build');
  const out: Record<string, unknown> = {};
  let db: Database.Database;
  if (scratch !== undefined) {
    db = new Database(scratch);
    db.pragma('journal_mode = WAL');
    // As the service opens the read-model file (projections/read-models.ts).
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536');
    db.exec(model.schema);
    const handle = model.open(db, { calendar: () => calendar });
    const store = SqliteEventStore.open({ file: join(dir, 'events.db') });
    const limit = numberOption('events', Infinity);
    const pageSize = numberOption('page', 250); // events per transaction: a live batch is a few
    let after = 0;
    let events = 0;
    let applyMs = 0;
    while (events < limit) {
      const page = await store.readAllData({ afterPosition: after, maxCount: pageSize });
      if (page.length === 0) break;
      const c0 = process.cpuUsage();
      db.transaction(() => handle.apply(page))();
      applyMs += cpuMs(c0);
      after = page[page.length - 1].position;
      events += page.length;
    }
    await store.close();
    const c0 = process.cpuUsage();
    handle.queries.compact();
    const compactMs = cpuMs(c0);
    const us = (ms: number) => Math.round((ms * 10_000) / events) / 10;
    out.build = { events, applyCpuMs: Math.round(applyMs), usPerEvent: us(applyMs), compactCpuMs: Math.round(compactMs), usPerEventWithCompaction: us(applyMs + compactMs) };
    log(`  built from ${events} events: ${Math.round(applyMs)} ms CPU in apply (${us(applyMs)} us per event), then ${Math.round(compactMs)} ms CPU summarising (${us(applyMs + compactMs)} us per event in all)`);
  } else {
    db = new Database(join(dir, 'read-models.db'));
  }
  const stepEntries = textOption('steps');
  if (stepEntries !== undefined) out.steps = summariseInSteps(db, Number(stepEntries));
  const queries = model.open(db, { calendar: () => calendar }).queries;
  const province = new Workload({ seed: numberOption('seed', 7), dossiers: numberOption('dossiers', 100_000) }).province;
  const parentOf = new Map(province.units.map((u) => [u.unitId, u.parentId]));
  const childrenOf = (id: string) => [...parentOf].filter(([, p]) => p === id).map(([c]) => c);
  const subtree = (id: string): string[] => [id, ...childrenOf(id).flatMap(subtree)];
  const children = childrenOf(province.root).sort().map(subtree);
  const p = (xs: number[], q: number) => Math.round([...xs].sort((x, y) => x - y)[Math.max(0, Math.ceil(q * xs.length) - 1)] * 10) / 10;
  await askPeriods(
    async (a, b) => {
      const from = Date.parse(a);
      const end = Date.parse(b);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const events = children.reduce((n, units) => n + entryLagFigures([...queries.summaries(units, from, end, false).values()].flat()).events, 0);
      return { events, ms: performance.now() - t0, cpuMs: cpuMs(c0) };
    },
    {
      runs: numberOption('runs', 40),
      report: (name, { events, cold, warm }) => {
        const wall = warm.map((w) => w.ms);
        const cpu = warm.map((w) => w.cpuMs ?? 0);
        const [coldWall, coldCpu] = [cold.ms, cold.cpuMs ?? 0];
        out[name] = { events, coldWallMs: Math.round(coldWall), coldCpuMs: Math.round(coldCpu), wallP50: p(wall, 0.5), wallP99: p(wall, 0.99), cpuP50: p(cpu, 0.5), cpuP99: p(cpu, 0.99) };
        log(`  ${name}: ${events} events; cold ${Math.round(coldWall)} ms (CPU ${Math.round(coldCpu)}); warm p50 ${p(wall, 0.5)} p99 ${p(wall, 0.99)} ms (CPU p99 ${p(cpu, 0.99)})`);
      },
    },
  );
  db.close();
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

/**
 * Every day and month marked to summarise again (as a build from the log leaves them), then summarised
 * by the service's steps between batches of `entries` entries each: how long each holds the thread.
 */
function summariseInSteps(db: Database.Database, entries: number): Record<string, unknown> {
  db.exec(`DELETE FROM ${STALE_TABLE};
    INSERT INTO ${STALE_TABLE} (kind, n) SELECT DISTINCT 0, day FROM entry_lag_days;
    INSERT INTO ${STALE_TABLE} (kind, n) SELECT DISTINCT 1, month FROM entry_lag_months;`);
  const queries = model.open(db, { calendar: () => calendar }).queries;
  const walls: number[] = [];
  const c0 = process.cpuUsage();
  for (let more = true; more; ) {
    const t0 = performance.now();
    more = queries.compactSome(Number.MAX_SAFE_INTEGER, entries);
    walls.push(performance.now() - t0);
  }
  const figures = { entriesPerStep: entries, cpuMs: Math.round(cpuMs(c0)), stepMs: summarize(walls) };
  log(`  summarised in ${walls.length} steps of ${entries} entries: ${figures.cpuMs} ms CPU; a step p50 ${figures.stepMs.p50} p99 ${figures.stepMs.p99} max ${figures.stepMs.max} ms`);
  return figures;
}

main().catch((error: Error) => {
  log(error.stack ?? error.message);
  process.exit(1);
});
