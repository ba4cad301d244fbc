/**
 * Throwaway in-memory models replayed from the log: the "as known at T" answers (only events
 * recorded by T) and the naive side of the tests. Same pure evolve, same index, no SQLite.
 */
import { DOSSIER_STREAM_PREFIX, type DossierEvent, isDossierEvent } from '../dossier/events.js';
import type { EventStore, RecordedEvent } from '../event-store/event-store.port.js';
import { type DossierView, evolveDossierView } from './dossier-view.js';
import { TimelinessIndex } from './timeliness-index.js';

const PAGE = 10_000;

/** When the service recorded the event: metadata.recordedAt, else the store's own timestamp. */
export function recordedAtOf(e: RecordedEvent): number {
  const recordedAt = e.metadata.recordedAt;
  return Date.parse(typeof recordedAt === 'string' ? recordedAt : e.created);
}

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

/**
 * The index as it would be with only the accepted events. Closed dossiers are added to the index
 * as soon as they close (what follows, the result's return, changes no count), so memory holds
 * only the dossiers still open at that point of the log.
 */
export async function replayIndex(store: EventStore, accept: (e: RecordedEvent) => boolean): Promise<TimelinessIndex> {
  // Asked once: summing a subtree unit by unit costs less than building its roll-up.
  const index = new TimelinessIndex({ rollUpMinUnits: Number.POSITIVE_INFINITY });
  const replay = new ViewReplay(accept);
  const done = new Set<string>();
  let after = 0;
  for (;;) {
    const page = await store.readAll({ afterPosition: after, maxCount: PAGE, streamPrefixes: [DOSSIER_STREAM_PREFIX] });
    if (page.length === 0) break;
    for (const e of page) {
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
    if (page.length < PAGE) break;
  }
  for (const view of replay.views.values()) index.bulkAdd(view);
  index.seal();
  return index;
}

/** The index of the events recorded at or before `asOf` (epoch ms). */
export const replayIndexAsOf = (store: EventStore, asOf: number) => replayIndex(store, (e) => recordedAtOf(e) <= asOf);
