/**
 * The first part of a rebuild: the whole log replayed into a fresh read-model file while the live
 * one keeps answering. Pages are read (ahead, by a worker of the SQLite store) and folded here, and
 * written and indexed by the rebuild writer (in a worker, at the same time as the next page is
 * read); the registered read models are built from the same pages here, meanwhile, in a file of
 * their own (the writer's connection holds the fresh one), copied into the fresh file at the end.
 * The projector then pauses the live model, catches the fresh one up and swaps them.
 */
import type { Logger } from '@nestjs/common';
import { setImmediate as yieldToQueries } from 'node:timers/promises';
import { AppError } from '../../common/errors.js';
import type { WorkerMode } from '../../common/worker-channel.js';
import type { EventStore, LoggedEvent } from '../../event-store/event-store.port.js';
import type { DossierView } from '../views/dossier-view.js';
import type { QuarantinedEvent } from '../quarantine.js';
import { ReadModels } from '../read-models.js';
import { openRebuildWriter, type RebuildWriter } from './rebuild-writer.js';
// The views still open at the end changed no entry since their deltas were written with their page.
import { NO_DELTAS } from '../as-of/report-deltas.js';
import { buildFromLog } from '../seam/build-from-log.js';
import type { ReadModelSet } from '../seam/read-model-set.js';
import type { RollUp, TimelinessIndex } from '../report-index/timeliness-index.js';
import { ViewFolder } from '../views/view-folder.js';

/**
 * Pages of the rebuild. A view is written once whatever the page (write-behind cache); small pages
 * hold the event loop (and queries) briefly, let the writer's worker start early, and let a page's
 * events die young: fewer of them reach V8's old space, whose garbage sets the rebuild's peak RSS.
 */
export const REBUILD_PAGE = 2_500;
/** SQLite's page cache of the registered models' file: a quarter of a read-model connection's. */
const BESIDE_CACHE_KIB = 16_384;
/** SQLite's page cache of the fresh file while the registered models' tables are copied into it. */
const COPY_CACHE_KIB = 2048;
const NOTHING_READ_BACK: ReadonlyMap<string, DossierView> = new Map();

export interface FreshFileOptions {
  store: EventStore;
  /** Where the fresh file is written. */
  file: string;
  workers: WorkerMode;
  /** The roll-ups the live index has: built in the fresh index too, before the swap. */
  rollUps: readonly RollUp[];
  readModelSet(models: ReadModels): ReadModelSet;
  stopping(): boolean;
  progress(events: number): void;
  quarantined(events: readonly QuarantinedEvent[]): void;
  logger: Logger;
}

export interface FreshFile {
  models: ReadModels;
  index: TimelinessIndex;
  seam: ReadModelSet;
  writerThread: 'worker' | 'main';
}

export function replayIntoFreshFile(o: FreshFileOptions): { done: Promise<FreshFile>; discard(): Promise<void> } {
  // The worker starts while the first page is read.
  const opening = openRebuildWriter(o.file, o.workers).then(({ writer, reason }) => {
    if (reason !== undefined) o.logger.log({ msg: 'rebuild writes in the main thread', reason });
    return writer;
  });
  const abandoned = () => new AppError('UNAVAILABLE', 'rebuild abandoned: the service is shutting down');
  let beside: { models: ReadModels; seam: ReadModelSet } | undefined;

  const done = (async (): Promise<FreshFile> => {
    beside = modelsBeside(o);
    const folder = new ViewFolder();
    for await (const page of o.store.readAllDataPages({ pageSize: REBUILD_PAGE, readAhead: o.workers !== 'never' })) {
      if (o.stopping()) throw abandoned();
      await replayPage(folder, page, opening, o);
      await yieldToQueries();
      // While the writer writes the page's views.
      beside?.seam.buildPage(page);
      await yieldToQueries();
    }
    beside?.seam.endBuild();
    const writer = await opening;
    // The views still open, in pages too: the writer stores each while the next is encoded, and
    // no message holds all of them (some 170,000 at a million dossiers) at once.
    const open = folder.drain();
    for (let i = 0; i < open.length; i += REBUILD_PAGE) await writer.write(open.slice(i, i + REBUILD_PAGE), folder.checkpoint, NO_DELTAS);
    if (open.length === 0) await writer.write([], folder.checkpoint, NO_DELTAS);
    // The roll-ups queries asked for so far, built now rather than by the first query after the
    // swap, while the file's secondary indexes are created.
    const finished = await writer.finish((index) => {
      for (const r of o.rollUps) index.createRollUp(r.root, [...r.members]);
    });
    const models = finished.models;
    try {
      if (beside !== undefined) {
        // The copy appends, and its indexes sort in small runs (read-models-schema.ts): a small page
        // cache, whose pages would otherwise add to what the fold's heap still holds.
        const cache = models.database.pragma('cache_size', { simple: true }) as number;
        models.database.pragma(`cache_size = -${COPY_CACHE_KIB}`);
        beside.seam.copyInto(models.database);
        models.database.pragma(`cache_size = ${cache}`);
        beside.models.discard();
      }
      // Caught up already when built beside; otherwise from a second pass over the log.
      const seam = o.readModelSet(models);
      await buildFromLog(o.store, seam, () => models.checkpoint, o.stopping, REBUILD_PAGE);
      if (o.stopping()) throw abandoned();
      return { models, index: finished.index, seam, writerThread: writer.thread };
    } catch (error) {
      models.discard();
      throw error;
    }
  })();
  done.catch(() => beside?.models.discard());

  return {
    done,
    // Before `done` gave the fresh file: the writer's file goes.
    discard: async () => {
      beside?.models.discard();
      await opening.then((writer) => writer.discard(), () => undefined);
    },
  };
}

/**
 * The registered read models on a file of their own beside the fresh one (the same name, `.models`
 * added), or undefined when there are none.
 */
function modelsBeside(o: FreshFileOptions): { models: ReadModels; seam: ReadModelSet } | undefined {
  const models = ReadModels.createFresh(`${o.file}.models`);
  // Their writes mostly append (entries by day); the rows flushed in place are a few MiB.
  models.database.pragma(`cache_size = -${BESIDE_CACHE_KIB}`);
  const seam = o.readModelSet(models);
  if (!seam.isEmpty) return { models, seam };
  models.discard();
  return undefined;
}

/** One page of the bulk replay: folded here, written by the writer. */
async function replayPage(folder: ViewFolder, page: LoggedEvent[], opening: Promise<RebuildWriter>, o: FreshFileOptions): Promise<void> {
  const missing = folder.missing(page);
  const folded = folder.fold(page, missing.length === 0 ? NOTHING_READ_BACK : await (await opening).readBack(missing));
  o.quarantined(folded.quarantined);
  await (await opening).write(folded.writes, folded.checkpoint, folded.deltas);
  o.progress(page.length);
}
