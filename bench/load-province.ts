/**
 * A data directory holding the benchmark's province workload: the events generated through the
 * decider in a worker and appended in batches (one transaction each) or written in bulk (see
 * logMode), then the read models built in bulk exactly as the rebuild writes them. Shared by the
 * projections and dashboard benchmarks.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { compileCalendar, loadDefaultCalendarSpec } from '../src/calendar/index.js';
import { ReadModels } from '../src/projections/read-models.js';
import { READ_MODELS } from '../src/projections/registry.js';
import { buildFromLog } from '../src/projections/seam/build-from-log.js';
import { ReadModelSet } from '../src/projections/seam/read-model-set.js';
import { writeLogInBulk } from './bulk-log.js';
import { textOption } from './options.js';
import { now, perSecond } from './stats.js';
import type { WorkloadOptions, WorkloadTally } from './workload.js';
import { generateInWorker } from './workload-worker.js';

const PAGE = 10_000;

export interface LoadedProvince {
  tally: WorkloadTally;
  loadMs: number;
  projected: number;
  bulkMs: number;
  /** Building the registered read models of the seam from the log, after the bulk projection. */
  seamMs: number;
}

/**
 * How the log is written: `decider` appends each generated event through the store (batches of
 * appends, one transaction each, as a busy service would); `bulk` (bench/bulk-log.ts) writes the
 * same rows in large transactions. `--log=decider|bulk`; by default bulk above 1 M dossiers,
 * where appending through the store would take most of the run.
 */
export function logMode(dossiers: number, argv: readonly string[] = process.argv): 'decider' | 'bulk' {
  const mode = textOption('log', argv) ?? (dossiers > 1_000_000 ? 'bulk' : 'decider');
  if (mode !== 'decider' && mode !== 'bulk') throw new Error('--log takes decider or bulk');
  return mode;
}

/** The workload appended through the store's port, as generated (the `decider` log mode). */
export async function appendThroughStore(file: string, workload: WorkloadOptions, progress?: (events: number) => void): Promise<WorkloadTally> {
  const store = SqliteEventStore.open({ file, synchronous: 'full' });
  let appended = 0;
  const batches = generateInWorker(workload);
  try {
    for (;;) {
      const next = await batches.next();
      if (next.done) return next.value;
      await Promise.all(next.value.map((a) => store.append(a.streamId, a.events, a.expectedRevision)));
      appended += next.value.length;
      progress?.(appended);
    }
  } finally {
    await store.close();
  }
}

/** Written once a data directory is loaded, so that a later run on it (`--data-dir`) starts from it. */
const LOADED = 'bench-province.json';

export async function loadProvince(dir: string, dossiers: number, seed: number, log: (line: string) => void): Promise<LoadedProvince> {
  const saved = loadedBefore(dir);
  if (saved !== undefined && (saved.seed !== seed || saved.dossiers !== dossiers)) throw new Error(`${dir} holds the province of seed ${saved.seed} at ${saved.dossiers} dossiers`);
  if (saved !== undefined && saved.stage === undefined) {
    log(`  the province loaded earlier into ${dir}, and what services appended since: ${saved.loaded.tally.events} workload events, load figures of that run`);
    return saved.loaded;
  }
  const mode = saved?.log ?? logMode(dossiers);
  const eventsFile = join(dir, 'events.db');
  let tally: WorkloadTally;
  let loadMs: number;
  if (saved?.stage === 'log') {
    ({ tally, loadMs } = saved.loaded);
    log(`  the log written earlier into ${dir} (${mode}): ${tally.events} workload events, load figures of that run`);
  } else {
    // 1. The workload into the store, generated in a worker thread, appended or written in bulk.
    const t0 = now();
    let nextReport = 0.1;
    const progress = (events: number) => {
      if (events / (dossiers * 4.4) < nextReport) return;
      log(`  ${mode === 'bulk' ? 'written in bulk' : 'appended'}: ${events} events, ${perSecond(events, now() - t0)} events/s`);
      nextReport += 0.1;
    };
    tally = mode === 'bulk' ? (await writeLogInBulk(eventsFile, { seed, dossiers }, progress)).tally : await appendThroughStore(eventsFile, { seed, dossiers }, progress);
    loadMs = now() - t0;
    log(`  workload (${mode} log): ${tally.dossiers} dossiers, ${tally.events} events in ${Math.round(loadMs / 1000)} s`);
    save(dir, { seed, dossiers, log: mode, stage: 'log', loaded: { tally, loadMs, projected: 0, bulkMs: 0, seamMs: 0 } });
  }
  const store = SqliteEventStore.open({ file: eventsFile, synchronous: 'full' });

  // 2. Read models in bulk, exactly as the rebuild writes them (fresh file, pages of the log, indexes at the end).
  const t1 = now();
  const models = ReadModels.createFresh(join(dir, 'read-models.db'));
  let projected = 0;
  try {
    for (;;) {
      const page = await store.readAll({ afterPosition: models.checkpoint, maxCount: PAGE });
      if (page.length === 0) break;
      models.applyBatch(page);
      projected += page.length;
    }
    models.finishBulk();
  } finally {
    models.close();
  }
  const bulkMs = now() - t1;
  log(`  bulk projection: ${projected} events in ${Math.round(bulkMs / 1000)} s`);
  // 3. The registered read models (entry lag, attention...) as the service builds them from the log,
  //    so that the service starts with every read model caught up.
  const t2 = now();
  const live = ReadModels.open(join(dir, 'read-models.db'));
  try {
    const calendar = compileCalendar(loadDefaultCalendarSpec());
    const seam = new ReadModelSet(live.database, READ_MODELS, { calendar: () => calendar });
    await buildFromLog(store, seam, () => live.checkpoint, () => false, PAGE);
  } finally {
    live.close();
    await store.close();
  }
  const seamMs = now() - t2;
  log(`  registered read models (${READ_MODELS.map((m) => m.name).join(', ')}): ${projected} events in ${Math.round(seamMs / 1000)} s`);
  const loaded = { tally, loadMs, projected, bulkMs, seamMs };
  save(dir, { seed, dossiers, log: mode, loaded });
  return loaded;
}

/** What a data directory holds: the log alone (`stage: 'log'`), or the log and its read models built. */
interface Loaded {
  seed: number;
  dossiers: number;
  log: 'decider' | 'bulk';
  stage?: 'log';
  loaded: LoadedProvince;
}

const save = (dir: string, loaded: Loaded) => writeFileSync(join(dir, LOADED), JSON.stringify(loaded, null, 2) + '\n');

/** What an earlier run loaded into `dir`; what it left unfinished is removed, to be made again. */
function loadedBefore(dir: string): Loaded | undefined {
  const file = join(dir, LOADED);
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Loaded) : undefined;
  const unfinished = saved === undefined ? /^(events|read-models)\.db/ : saved.stage === 'log' ? /^read-models\.db/ : undefined;
  if (unfinished) for (const name of readdirSync(dir)) if (unfinished.test(name)) rmSync(join(dir, name));
  return saved;
}
