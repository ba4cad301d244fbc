/**
 * For benchmarks: events applied straight into a fresh read-model file, without the event store
 * or HTTP, through the same batch code as the projector's rebuild. Place the result at
 * DATA_DIR/read-models.db (with the same events in the store, or the checkpoint will be ahead of
 * it) to start a service over a big model; `buildIndex()` is what a start does with it.
 */
import type { RecordedEvent } from '../event-store/event-store.port.js';
import { ReadModels } from './read-models.js';

export interface BulkLoadResult {
  models: ReadModels;
  events: number;
  applyMs: number;
  /** Secondary indexes and statistics, after the load. */
  finishMs: number;
}

export function bulkLoad(file: string, pages: Iterable<RecordedEvent[]>): BulkLoadResult {
  const models = ReadModels.createFresh(file);
  let events = 0;
  const started = performance.now();
  for (const page of pages) {
    models.applyBatch(page);
    events += page.length;
  }
  const applied = performance.now();
  models.finishBulk();
  return { models, events, applyMs: applied - started, finishMs: performance.now() - applied };
}
