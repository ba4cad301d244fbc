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

/** The dossier id of a dossier event, or undefined for any other event. */
function dossierIdOf(e: LoggedEvent): string | undefined {
  if (!e.streamId.startsWith(DOSSIER_STREAM_PREFIX) || !isDossierEvent(e)) return undefined;
  return e.streamId.slice(DOSSIER_STREAM_PREFIX.length);
}

const isTerminal = (v: DossierView) => v.status === 'returned' || v.status === 'withdrawn';

export class ViewFolder {
  private readonly cache = new Map<string, DossierView>();
  /** What `missing` and `fold` both need of the last page seen, worked out once. */
  private pendingOf: { page: readonly LoggedEvent[]; from: number; ids: (string | undefined)[] } | undefined;

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
    const { from, ids } = this.pending(events);
    for (let i = from; i < events.length; i++) {
      const id = ids[i];
      // Only the page's first event of each dossier matters; most dossiers are cached, so the
      // set holds just those received in this page and those found missing.
      if (id === undefined || this.cache.has(id) || seen.has(id)) continue;
      seen.add(id);
      if (events[i].revision !== 0) out.push(id);
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
    const { from, ids } = this.pending(events);
    this.pendingOf = undefined;
    for (let i = from; i < events.length; i++) {
      const e = events[i];
      const id = ids[i];
      if (id === undefined) continue;
      const current = changed.get(id) ?? (e.revision === 0 ? undefined : (this.cache.get(id) ?? reread.get(id)));
      const before = current?.position;
      const next = evolveDossierViewInPlace(current, { type: e.type, data: e.data } as DossierEvent, e);
      if (next !== undefined && next.position !== before) changed.set(id, next);
    }
    const writes: DossierView[] = [];
    // Changed views go to the end of the cache (the last to be evicted): out first, then kept again.
    for (const v of changed.values()) this.cache.delete(v.dossierId);
    // Views read back are written again, changed or not: reading them took them out of the index.
    for (const [id, v] of reread) if (!changed.has(id)) this.keep(v, writes);
    for (const v of changed.values()) this.keep(v, writes);
    if (from < events.length) this.checkpoint = events[events.length - 1].position;
    return { checkpoint: this.checkpoint, writes };
  }

  /**
   * Where the page's events not applied yet begin (pages are in position order, so those applied
   * already are a prefix), and the dossier id of each event from there on.
   */
  private pending(events: readonly LoggedEvent[]): { from: number; ids: (string | undefined)[] } {
    if (this.pendingOf?.page !== events) {
      let from = 0;
      while (from < events.length && events[from].position <= this.checkpoint) from++;
      const ids: (string | undefined)[] = new Array(events.length);
      for (let i = from; i < events.length; i++) ids[i] = dossierIdOf(events[i]);
      this.pendingOf = { page: events, from, ids };
    }
    return this.pendingOf;
  }

  /** Every view still cached, leaving the cache: to be written at the end of the replay. */
  drain(): DossierView[] {
    const all = [...this.cache.values()];
    this.cache.clear();
    return all;
  }

  private keep(v: DossierView, writes: DossierView[]): void {
    // Terminal dossiers get no more events that matter: written now, not kept.
    if (isTerminal(v)) {
      writes.push(v);
      return;
    }
    this.cache.set(v.dossierId, v);
    if (this.cache.size > this.cacheLimit) {
      const [oldestId, oldest] = this.cache.entries().next().value!;
      this.cache.delete(oldestId);
      writes.push(oldest);
    }
  }
}
