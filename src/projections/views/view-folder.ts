/**
 * The fold of a bulk replay: dossier events into views, with a write-behind cache, and no I/O.
 *
 * A dossier's view is written once when it leaves the cache (terminal, or evicted when the cache
 * is full), instead of at every event. A later event of an evicted dossier needs
 * its view back from wherever it was written: `missing(page)` names those dossiers before `fold`,
 * and the caller hands their views in (reading them back also takes them out of the index being
 * built, since they will be written again). Used by ReadModels in bulk mode (all in one thread)
 * and by the rebuild pipeline (folding here, writing in a worker).
 */
import { DOSSIER_STREAM_PREFIX, type DossierEvent, isDossierEvent } from '../../dossier/events.js';
import type { LoggedEvent } from '../../event-store/event-store.port.js';
import { type DossierView, evolveDossierViewInPlace } from './dossier-view.js';
import { quarantined, type QuarantinedEvent } from '../quarantine.js';
import { copyEntries, DeltaColumns, type DeltaPage, type Entries, entriesInto, entriesOf, NO_ENTRIES, pushDeltas } from '../as-of/report-deltas.js';

export interface FoldedPage {
  /** The position of the page's last event. */
  checkpoint: number;
  /** Views leaving the cache, to be written now. */
  writes: DossierView[];
  /** Events of the page no view could take: skipped (quarantine.ts). */
  quarantined: QuarantinedEvent[];
  /** How the page's events changed the report entries (report-deltas.ts). */
  deltas: DeltaPage;
}

/**
 * Views cached: what the fold holds live, which sets the main thread's heap (and its garbage) at a
 * rebuild's peak; more save read-backs (about a tenth of the CPU with 100,000) for more memory.
 */
export const DEFAULT_CACHE_LIMIT = 50_000;

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

/**
 * A cached view and when it was last folded: the cache is a clock (second chance), not a strict
 * LRU. Moving every changed view to the end of the cache (a delete and a set per view per page),
 * with `has`, `get` and a per-page map besides, spent a rebuild's main thread in hash lookups; now
 * an event costs one lookup.
 */
interface Slot {
  readonly stream: string;
  readonly view: DossierView;
  /** The last page whose fold changed the view. */
  page: number;
  /** Changed since the clock last passed it: passed over once more before eviction. */
  touched: boolean;
  /** The view's report entries, which the next event's are diffed against. */
  entries: Entries;
}

export class ViewFolder {
  /** By stream id, in the clock's order (the oldest first). */
  private readonly cache = new Map<string, Slot>();
  /** The entries of the view an event just changed, before they are copied into its slot's. */
  private readonly scratch: Entries = { unitId: '', procedureCode: '', categories: [], ats: [], handlers: [] };
  /** Pages folded so far. */
  private pages = 0;
  /** What `missing` and `fold` both need of the last page seen, worked out once. */
  private pendingOf: { page: readonly LoggedEvent[]; from: number; streams: (string | undefined)[]; slots: (Slot | undefined)[] } | undefined;

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
    const out: string[] = [];
    const { from, streams, slots } = this.pending(events);
    let seen: Set<string> | undefined;
    for (let i = from; i < events.length; i++) {
      const stream = streams[i];
      // Only the page's first event of each uncached dossier matters: most are cached, so the
      // set holds just those received in this page and those found missing.
      if (stream === undefined || slots[i] !== undefined) continue;
      seen ??= new Set();
      if (seen.has(stream)) continue;
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
    const { from, streams, slots } = this.pending(events);
    this.pendingOf = undefined;
    const page = ++this.pages;
    const writes: DossierView[] = [];
    const skipped: QuarantinedEvent[] = [];
    // About two deltas per event.
    const deltas = new DeltaColumns(events.length * 3);
    // Views read back are written again, changed or not (reading them took them out of the index
    // being built): cached as changed in this page.
    const changed: Slot[] = [];
    for (const [id, view] of reread) {
      const slot: Slot = { stream: streamOf(id), view, page, touched: true, entries: entriesOf(view) };
      this.cache.set(slot.stream, slot);
      changed.push(slot);
    }
    for (let i = from; i < events.length; i++) {
      const stream = streams[i];
      if (stream === undefined) continue;
      const e = events[i];
      // Looked up again when the page received the dossier or read it back after `pending`.
      const slot = slots[i] ?? (e.revision === 0 ? undefined : this.cache.get(stream));
      const before = slot?.view.position;
      // The logged event is read as the dossier event it holds (type and data): no object per event.
      let next: DossierView | undefined;
      try {
        next = evolveDossierViewInPlace(slot?.view, e as unknown as DossierEvent, e);
      } catch (error) {
        // Refused before the view was touched (dossier-view.ts): it stays as it was.
        skipped.push(quarantined(e, error));
        continue;
      }
      if (next === undefined || next.position === before) continue;
      const entries = entriesInto(next, this.scratch);
      pushDeltas(slot?.entries ?? NO_ENTRIES, entries, e.position, e.recordedAt, deltas);
      if (slot === undefined) {
        const own: Entries = { unitId: '', procedureCode: '', categories: [], ats: [], handlers: [] };
        copyEntries(entries, own);
        const received: Slot = { stream, view: next, page, touched: true, entries: own };
        this.cache.set(stream, received);
        changed.push(received);
        continue;
      }
      copyEntries(entries, slot.entries);
      if (slot.page !== page) {
        slot.page = page;
        slot.touched = true;
        changed.push(slot);
      }
    }
    // Terminal dossiers get no more events that matter: written now, not kept.
    for (const slot of changed) {
      if (isTerminal(slot.view)) {
        this.cache.delete(slot.stream);
        writes.push(slot.view);
      }
    }
    this.evict(writes);
    if (from < events.length) this.checkpoint = events[events.length - 1].position;
    return { checkpoint: this.checkpoint, writes, quarantined: skipped, deltas: deltas.page() };
  }

  /**
   * Where the page's events not applied yet begin (pages are in position order, so those applied
   * already are a prefix), the stream of each dossier event from there on, and its cached view.
   */
  private pending(events: readonly LoggedEvent[]): { from: number; streams: (string | undefined)[]; slots: (Slot | undefined)[] } {
    if (this.pendingOf?.page !== events) {
      let from = 0;
      while (from < events.length && events[from].position <= this.checkpoint) from++;
      const streams: (string | undefined)[] = new Array(events.length);
      const slots: (Slot | undefined)[] = new Array(events.length);
      for (let i = from; i < events.length; i++) {
        const stream = dossierStreamOf(events[i]);
        streams[i] = stream;
        if (stream !== undefined && events[i].revision !== 0) slots[i] = this.cache.get(stream);
      }
      this.pendingOf = { page: events, from, streams, slots };
    }
    return this.pendingOf;
  }

  /** Every view still cached, leaving the cache: to be written at the end of the replay. */
  drain(): DossierView[] {
    const all: DossierView[] = [];
    for (const slot of this.cache.values()) all.push(slot.view);
    this.cache.clear();
    return all;
  }

  /**
   * Down to the limit, oldest first: a view changed since the clock last passed it goes to the
   * end once more (second chance), any other leaves the cache and is written.
   */
  private evict(writes: DossierView[]): void {
    let excess = this.cache.size - this.cacheLimit;
    if (excess <= 0) return;
    // Each view is passed over at most once per call: its flag is cleared when it moves.
    let budget = this.cache.size;
    for (const slot of this.cache.values()) {
      if (excess <= 0 || budget-- <= 0) break;
      this.cache.delete(slot.stream);
      if (slot.touched) {
        slot.touched = false;
        this.cache.set(slot.stream, slot);
      } else {
        writes.push(slot.view);
        excess--;
      }
    }
  }
}
