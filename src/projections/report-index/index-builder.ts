/**
 * Bulk construction of the report index's buckets (a load, a rebuild, a start from the table).
 *
 * Adding a dossier's entries to its buckets one by one (each a growing array) cost more than a
 * tenth of a rebuild at a million dossiers, and its stream of array allocations made the garbage
 * collector run more often while the load's views were alive. Here every entry is appended to two
 * flat columns (bucket number, key), held in chunks of a fixed size (a column grown by doubling
 * held up to twice its entries, three times while copied); at the end the entries are counted per
 * bucket, copied into one exactly sized array per bucket, and each is sorted once and made a
 * bucket. The arrays are made a window of buckets at a time (one pass over the columns each), so
 * that the keys are not held twice over at 5 M dossiers.
 */
import { Bucket, keyOf } from './bucket.js';
import type { DossierView } from '../views/dossier-view.js';
import { countedPerProcedure, DOSSIER_CATEGORIES, STEP_CATEGORIES, visitEntries } from './index-entries.js';

/** The buckets of one unit, as the index holds them. */
export interface BuiltUnit {
  all?: Bucket;
  byProcedure: Map<string, Bucket>;
  stepsByHandler: Map<string, Bucket>;
}

interface UnitSlots {
  all: number;
  procedures: Map<string, number>;
  handlers: Map<string, number>;
}

type Kind = 'all' | 'procedure' | 'steps';

interface Slot {
  unitId: string;
  kind: Kind;
  key: string;
}

/** The keys a bucket holds already (merged with what was added), if any. */
export type ExistingKeys = (unitId: string, kind: Kind, key: string) => Float64Array | undefined;

/** Takes each bucket as soon as it is built (the one it replaces can go at once). */
export type BucketSink = (unitId: string, kind: Kind, key: string, bucket: Bucket) => void;

/** Entries between two pauses of buildSteps (a mask: 2^16 - 1). */
const STEP = 0xffff;
/** Entries per chunk of the columns (a power of two: 12 MiB a chunk). */
const CHUNK_BITS = 20;
/** Entries of the buckets built in one pass over the columns (16 MiB of keys: a rebuild's writer seals beside the rest of its peak). */
const WINDOW = 2 << 20;

export class IndexBuilder {
  private readonly units = new Map<string, UnitSlots>();
  private readonly slots: Slot[] = [];
  /** Bucket number of each entry (`~n`, negative, for a removal), and its key: chunk by chunk. */
  private ids: Int32Array[] = [];
  private keys: Float64Array[] = [];
  private n = 0;

  private readonly window: number;
  private readonly chunkBits: number;
  private readonly chunk: number;

  /** `window`: entries of the buckets built per pass over the columns; `chunkBits`: log2 of the entries per chunk. */
  constructor(options: { window?: number; chunkBits?: number } = {}) {
    this.window = options.window ?? WINDOW;
    this.chunkBits = options.chunkBits ?? CHUNK_BITS;
    this.chunk = 1 << this.chunkBits;
  }

  get size(): number {
    return this.n;
  }

  add(view: DossierView): void {
    this.entries(view, false);
  }

  /** Takes back entries added before (here or in the existing buckets). */
  remove(view: DossierView): void {
    this.entries(view, true);
  }

  private entries(view: DossierView, remove: boolean): void {
    const unit = this.unitSlots(view.unitId);
    const procedure = this.slot(unit.procedures, view.unitId, 'procedure', view.procedureCode);
    visitEntries(view, (category, at, handler) => {
      const key = keyOf(category, at);
      if (handler === null) {
        this.push(unit.all, key, remove);
        if (countedPerProcedure(category)) this.push(procedure, key, remove);
      } else this.push(this.slot(unit.handlers, view.unitId, 'steps', handler), key, remove);
    });
  }

  /**
   * The buckets of every unit touched, each sorted: what was there (`existing`), plus the additions,
   * minus the removals. Given `sink`, each bucket goes there as it is built, and the map stays empty.
   */
  build(existing?: ExistingKeys, sink?: BucketSink): Map<string, BuiltUnit> {
    const steps = this.buildSteps(existing, sink);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /** build() in pieces: pauses between buckets and every STEP entries, so that a caller can share the thread. */
  *buildSteps(existing?: ExistingKeys, sink?: BucketSink): Generator<void, Map<string, BuiltUnit>> {
    const count = this.slots.length;
    const adds = new Int32Array(count);
    const removes = new Int32Array(count);
    const n = this.n;
    for (let i = 0; i < n; i++) {
      if ((i & STEP) === STEP) yield;
      const id = this.ids[i >>> this.chunkBits][i & (this.chunk - 1)];
      if (id >= 0) adds[id]++;
      else removes[~id]++;
    }
    const ids = this.ids;
    const keys = this.keys;
    this.ids = [];
    this.keys = [];
    this.n = 0;
    const kept: (Float64Array | undefined)[] = new Array(count);
    const held: (Float64Array | undefined)[] = new Array(count);
    const taken: (Float64Array | undefined)[] = new Array(count);
    const addAt = new Int32Array(count);
    const removeAt = new Int32Array(count);
    const out = new Map<string, BuiltUnit>();
    // A window of buckets at a time, filled in one pass over the columns and made buckets before
    // the next: their arrays of keys are never all alive at once (and beside the columns).
    for (let lo = 0; lo < count; ) {
      let hi = lo;
      for (let entries = 0; hi < count && (hi === lo || entries + adds[hi] + removes[hi] <= this.window); hi++) entries += adds[hi] + removes[hi];
      for (let s = lo; s < hi; s++) {
        const { unitId, kind, key } = this.slots[s];
        // Sorted already: merged with the additions once they are sorted, not sorted again.
        held[s] = existing?.(unitId, kind, key);
        kept[s] = new Float64Array(adds[s]);
        addAt[s] = 0;
        if (removes[s] > 0) taken[s] = new Float64Array(removes[s]);
      }
      const whole = lo === 0 && hi === count;
      for (let c = 0; c < ids.length; c++) {
        const chunkIds = ids[c];
        const chunkKeys = keys[c];
        const end = Math.min(this.chunk, n - c * this.chunk);
        for (let i = 0; i < end; i++) {
          if ((i & STEP) === STEP) yield;
          const id = chunkIds[i];
          const slot = id >= 0 ? id : ~id;
          if (!whole && (slot < lo || slot >= hi)) continue;
          if (id >= 0) kept[id]![addAt[id]++] = chunkKeys[i];
          else taken[slot]![removeAt[slot]++] = chunkKeys[i];
        }
        // The last window (often the only one): each chunk let go once copied.
        if (hi === count) {
          ids[c] = new Int32Array(0);
          keys[c] = new Float64Array(0);
        }
      }
      for (let s = lo; s < hi; s++) {
        yield;
        const { unitId, kind, key } = this.slots[s];
        const categories = kind === 'steps' ? STEP_CATEGORIES : DOSSIER_CATEGORIES;
        const added = kept[s]!.sort();
        const bucket = Bucket.fromSorted(categories, held[s] === undefined ? added : mergeSorted(held[s]!, added));
        if (taken[s]) bucket.subtract(taken[s]!.sort());
        kept[s] = taken[s] = held[s] = undefined;
        if (sink) {
          sink(unitId, kind, key, bucket);
          continue;
        }
        let unit = out.get(unitId);
        if (unit === undefined) out.set(unitId, (unit = { byProcedure: new Map(), stepsByHandler: new Map() }));
        if (kind === 'all') unit.all = bucket;
        else if (kind === 'procedure') unit.byProcedure.set(key, bucket);
        else unit.stepsByHandler.set(key, bucket);
      }
      lo = hi;
    }
    return out;
  }

  private unitSlots(unitId: string): UnitSlots {
    let u = this.units.get(unitId);
    if (u === undefined) {
      u = { all: this.newSlot(unitId, 'all', ''), procedures: new Map(), handlers: new Map() };
      this.units.set(unitId, u);
    }
    return u;
  }

  private slot(map: Map<string, number>, unitId: string, kind: Kind, key: string): number {
    let s = map.get(key);
    if (s === undefined) map.set(key, (s = this.newSlot(unitId, kind, key)));
    return s;
  }

  private newSlot(unitId: string, kind: Kind, key: string): number {
    this.slots.push({ unitId, kind, key });
    return this.slots.length - 1;
  }

  private push(slot: number, key: number, remove: boolean): void {
    const at = this.n & (this.chunk - 1);
    if (at === 0) {
      // The first chunk starts small (most builders are a batch's few entries), later ones full size.
      const size = this.n === 0 ? Math.min(1024, this.chunk) : this.chunk;
      this.ids.push(new Int32Array(size));
      this.keys.push(new Float64Array(size));
    } else if (this.n < this.chunk && at === this.ids[0].length) {
      const ids = new Int32Array(Math.min(this.chunk, at * 2));
      ids.set(this.ids[0]);
      this.ids[0] = ids;
      const keys = new Float64Array(Math.min(this.chunk, at * 2));
      keys.set(this.keys[0]);
      this.keys[0] = keys;
    }
    const c = this.n >>> this.chunkBits;
    this.ids[c][at] = remove ? ~slot : slot;
    this.keys[c][at] = key;
    this.n++;
  }
}

/** The keys of two sorted arrays, in one sorted array. */
function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let w = 0;
  while (i < a.length && j < b.length) out[w++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[w++] = a[i++];
  while (j < b.length) out[w++] = b[j++];
  return out;
}
