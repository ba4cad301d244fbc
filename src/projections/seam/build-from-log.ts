import { setImmediate as yieldToQueries } from 'node:timers/promises';
import type { EventStore } from '../../event-store/event-store.port.js';
import type { ReadModelSet } from './read-model-set.js';

/**
 * Pages of the log a registered read model is built from when it is new or its version changed (or
 * in a rebuild): small enough that queries between two pages wait a few milliseconds at most.
 */
const CATCH_UP_PAGE = 250;

/**
 * Feeds the models of `seam` that are behind `upTo()` pages of the log, yielding between pages, until
 * they reach it or `abandoned()`. Larger pages (`pageSize`) when no query waits on the file (a rebuild's).
 */
export async function buildFromLog(store: EventStore, seam: ReadModelSet, upTo: () => number, abandoned: () => boolean, pageSize = CATCH_UP_PAGE): Promise<void> {
  while (!abandoned()) {
    // Read before the page: every event up to it is in the log when the page is read.
    const target = upTo();
    const after = seam.lowestCheckpoint();
    if (after >= target) return;
    const page = await store.readAllData({ afterPosition: after, maxCount: pageSize });
    if (abandoned()) return;
    seam.catchUpPage(page, target);
    await yieldToQueries();
  }
}
