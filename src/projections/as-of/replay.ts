/**
 * Throwaway in-memory models replayed from the log: the naive side of the tests, and their oracle
 * for as-of answers (only events recorded by T; the service answers those from data,
 * supervision/as-of-reports.ts). Same pure evolve, same index, no SQLite.
 */
import { DOSSIER_STREAM_PREFIX, type DossierEvent, isDossierEvent } from '../../dossier/events.js';
import type { EventStore, RecordedEvent } from '../../event-store/event-store.port.js';
import { type DossierView, evolveDossierView } from '../views/dossier-view.js';
import { TimelinessIndex } from '../report-index/timeliness-index.js';

const PAGE = 10_000;
/** Pages of an as-of replay: small enough that reading one holds the event loop a few ms at most. */
const YIELDING_PAGE = 250;
/** The longest an as-of replay runs before it lets other requests in. */
export const SLICE_MS = 2;

/** Back to the event loop, after its pending I/O (setImmediate runs after the poll phase). */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));


/** Folds dossier events into views; a stream stops at its first rejected event (a history is a prefix). */
export class ViewReplay {
  readonly views = new Map<string, DossierView>();
  private readonly cutOff = new Set<string>();

  constructor(private readonly accept: (e: RecordedEvent) => boolean = () => true) {}

  apply(e: RecordedEvent): DossierView | undefined {
    if (!e.streamId.startsWith(DOSSIER_STREAM_PREFIX) || !isDossierEvent(e)) return undefined;
    const id = e.streamId.slice(DOSSIER_STREAM_PREFIX.length);
    if (this.cutOff.has(id)) return undefined;
    if (!this.accept(e)) {
      this.cutOff.add(id);
      return undefined;
    }
    let next: DossierView | undefined;
    try {
      next = evolveDossierView(this.views.get(id), { type: e.type, data: e.data } as DossierEvent, e);
    } catch {
      // An event no view takes: skipped, as the projector quarantines it (quarantine.ts).
      return undefined;
    }
    if (next !== undefined) this.views.set(id, next);
    return next;
  }
}

export interface ReplayOptions {
  /** Share the thread: small pages, and back to the event loop after this many ms of work (as-of answers). */
  sliceMs?: number;
}

/**
 * The index as it would be with only the accepted events. Closed dossiers are added to the index
 * as soon as they close (what follows, the result's return, changes no count), so memory holds
 * only the dossiers still open at that point of the log.
 */
export async function replayIndex(store: EventStore, accept: (e: RecordedEvent) => boolean, options: ReplayOptions = {}): Promise<TimelinessIndex> {
  // Asked once: summing a subtree unit by unit costs less than building its roll-up.
  const index = new TimelinessIndex({ rollUpMinUnits: Number.POSITIVE_INFINITY });
  const replay = new ViewReplay(accept);
  const done = new Set<string>();
  const { sliceMs } = options;
  const pageSize = sliceMs === undefined ? PAGE : YIELDING_PAGE;
  // The store's pages resolve without waiting for I/O: without these yields the loop holds the thread.
  let sliceStart = performance.now();
  const share = async () => {
    if (sliceMs === undefined || performance.now() - sliceStart < sliceMs) return;
    await yieldToIo();
    sliceStart = performance.now();
  };
  let after = 0;
  for (;;) {
    await share();
    const page = await store.readAll({ afterPosition: after, maxCount: pageSize, streamPrefixes: [DOSSIER_STREAM_PREFIX] });
    if (page.length === 0) break;
    for (let i = 0; i < page.length; i++) {
      if ((i & 63) === 63) await share();
      const e = page[i];
      const id = e.streamId.slice(DOSSIER_STREAM_PREFIX.length);
      if (done.has(id)) continue;
      const view = replay.apply(e);
      if (view !== undefined && view.closure !== null) {
        index.bulkAdd(view);
        replay.views.delete(id);
        done.add(id);
      }
    }
    after = page[page.length - 1].position;
    if (page.length < pageSize) break;
  }
  let added = 0;
  for (const view of replay.views.values()) {
    index.bulkAdd(view);
    if ((++added & 255) === 0) await share();
  }
  // Sorting every bucket in one go would hold the thread for a long stretch at a large size.
  if (sliceMs === undefined) index.seal();
  else await index.sealSharing(share);
  return index;
}

/** The index of the events recorded at or before `asOf` (epoch ms), replayed sharing the thread with other requests. */
export const replayIndexAsOf = (store: EventStore, asOf: number, sliceMs = SLICE_MS) => replayIndex(store, (e) => e.recordedAt <= asOf, { sliceMs });
