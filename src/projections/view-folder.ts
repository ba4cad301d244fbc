/**
 * The fold of a bulk replay: dossier events into views, with a write-behind cache, and no I/O.
 *
 * A dossier's view is written once when it leaves the cache (terminal, or evicted as the oldest
 * when the cache is full), instead of at every event. A later event of an evicted dossier needs
 * its view back from wherever it was written: `missing(page)` names those dossiers before `fold`,
 * and the caller hands their views in (reading them back also takes them out of the index being
 * built, since they will be written again). Used by ReadModels in bulk mode (all in one thread)
 * and by the rebuild pipeline (folding here, writing in a worker).
 */
import { DOSSIER_STREAM_PREFIX, type DossierEvent, isDossierEvent } from '../dossier/events.js';
import type { LoggedEvent } from '../event-store/event-store.port.js';
import { type DossierView, evolveDossierViewInPlace } from './dossier-view.js';

export interface FoldedPage {
  /** The position of the page's last event. */
  checkpoint: number;
  /** Views leaving the cache, to be written now. */
  writes: DossierView[];
}

export const DEFAULT_CACHE_LIMIT = 200_000;

/**
 * The stream of a dossier event, or undefined for any other event. Views are kept by stream id,
 * as the log gives it: no new string per event to hash again (a tenth of a rebuild's main thread).
 */
function dossierStreamOf(e: LoggedEvent): string | undefined {
  return e.streamId.startsWith(DOSSIER_STREAM_PREFIX) && isDossierEvent(e) ? e.streamId : undefined;
}

const dossierIdOf = (stream: string) => stream.slice(DOSSIER_STREAM_PREFIX.length);
const streamOf = (dossierId: string) => DOSSIER_STREAM_PREFIX + dossierId;

const isTerminal = (v: DossierView) => v.status === 'returned' || v.status === 'withdrawn';

export class ViewFolder {
  /** By stream id. */
  private readonly cache = new Map<string, DossierView>();
  /** What `missing` and `fold` both need of the last page seen, worked out once. */
  private pendingOf: { page: readonly LoggedEvent[]; from: number; streams: (string | undefined)[] } | undefined;

  /** `checkpoint`: events at or before it are skipped (applied already). */
  constructor(
    public checkpoint = 0,
    private readonly cacheLimit = DEFAULT_CACHE_LIMIT,
  ) {}

  /**
   * Dossiers of `events` whose view was written out earlier and is no longer cached. A stream's
   * first event (revision 0) has no view yet: a replay applies each position once, in order.
   */
  missing(events: readonly LoggedEvent[]): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    const { from, streams } = this.pending(events);
    for (let i = from; i < events.length; i++) {
      const stream = streams[i];
      // Only the page's first event of each dossier matters; most dossiers are cached, so the
      // set holds just those received in this page and those found missing.
      if (stream === undefined || this.cache.has(stream) || seen.has(stream)) continue;
      seen.add(stream);
      if (events[i].revision !== 0) out.push(dossierIdOf(stream));
    }
    return out;
  }

  /**
   * Folds a page; `reread` holds the views of `missing(events)` that exist, which become the
   * folder's own. Cached views are changed in place by later events (no copy of a view per
   * event); those handed out in `writes` have left the cache and are not touched again.
   */
  fold(events: readonly LoggedEvent[], reread: ReadonlyMap<string, DossierView>): FoldedPage {
    const changed = new Map<string, DossierView>();
    const { from, streams } = this.pending(events);
    this.pendingOf = undefined;
    for (let i = from; i < events.length; i++) {
      const e = events[i];
      const stream = streams[i];
      if (stream === undefined) continue;
      const current =
        changed.get(stream) ?? (e.revision === 0 ? undefined : (this.cache.get(stream) ?? (reread.size > 0 ? reread.get(dossierIdOf(stream)) : undefined)));
      const before = current?.position;
      const next = evolveDossierViewInPlace(current, { type: e.type, data: e.data } as DossierEvent, e);
      if (next !== undefined && next.position !== before) changed.set(stream, next);
    }
    const writes: DossierView[] = [];
    // Changed views go to the end of the cache (the last to be evicted): out first, then kept again.
    for (const stream of changed.keys()) this.cache.delete(stream);
    // Views read back are written again, changed or not: reading them took them out of the index.
    for (const [id, v] of reread) {
      const stream = streamOf(id);
      if (!changed.has(stream)) this.keep(stream, v, writes);
    }
    for (const [stream, v] of changed) this.keep(stream, v, writes);
    if (from < events.length) this.checkpoint = events[events.length - 1].position;
    return { checkpoint: this.checkpoint, writes };
  }

  /**
   * Where the page's events not applied yet begin (pages are in position order, so those applied
   * already are a prefix), and the stream of each dossier event from there on.
   */
  private pending(events: readonly LoggedEvent[]): { from: number; streams: (string | undefined)[] } {
    if (this.pendingOf?.page !== events) {
      let from = 0;
      while (from < events.length && events[from].position <= this.checkpoint) from++;
      const streams: (string | undefined)[] = new Array(events.length);
      for (let i = from; i < events.length; i++) streams[i] = dossierStreamOf(events[i]);
      this.pendingOf = { page: events, from, streams };
    }
    return this.pendingOf;
  }

  /** Every view still cached, leaving the cache: to be written at the end of the replay. */
  drain(): DossierView[] {
    const all = [...this.cache.values()];
    this.cache.clear();
    return all;
  }

  private keep(stream: string, v: DossierView, writes: DossierView[]): void {
    // Terminal dossiers get no more events that matter: written now, not kept.
    if (isTerminal(v)) {
      writes.push(v);
      return;
    }
    this.cache.set(stream, v);
    if (this.cache.size > this.cacheLimit) {
      const [oldestId, oldest] = this.cache.entries().next().value!;
      this.cache.delete(oldestId);
      writes.push(oldest);
    }
  }
}
