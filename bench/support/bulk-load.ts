/**
 * For benchmarks: events applied straight into a fresh read-model file, without the event store
 * or HTTP, through the same batch code as the projector's rebuild. Place the result at
 * DATA_DIR/read-models.db (with the same events in the store, or the checkpoint will be ahead of
 * it) to start a service over a big model; `loadIndex()` is what a start does with it (built from
 * the table, or the snapshot saved by `saveIndexSnapshot` at the same checkpoint).
 */
import type { LoggedEvent } from '../../src/event-store/event-store.port.js';
import { ReadModels } from '../../src/projections/read-models.js';
import type { TimelinessIndex } from '../../src/projections/report-index/timeliness-index.js';

export interface BulkLoadResult {
  models: ReadModels;
  /** The report index of the loaded views, built by the load. */
  index: TimelinessIndex;
  events: number;
  applyMs: number;
  /** Secondary indexes and statistics, after the load. */
  finishMs: number;
}

export function bulkLoad(file: string, pages: Iterable<LoggedEvent[]>): BulkLoadResult {
  const models = ReadModels.createFresh(file);
  let events = 0;
  const started = performance.now();
  for (const page of pages) {
    models.applyBatch(page);
    events += page.length;
  }
  const applied = performance.now();
  const index = models.finishBulk();
  return { models, index, events, applyMs: applied - started, finishMs: performance.now() - applied };
}
