/**
 * Bulk construction of the report index's buckets (a load, a rebuild, a start from the table).
 *
 * Adding a dossier's entries to its buckets one by one (each a growing array) cost more than a
 * tenth of a rebuild at a million dossiers, and its stream of array allocations made the garbage
 * collector run more often while the load's views were alive. Here every entry is appended to two
 * flat columns (bucket number, key), which grow by doubling; at the end the entries are counted
 * per bucket, copied into one exactly sized array per bucket, and each is sorted once.
 */
import { Bucket, keyOf } from './bucket.js';
import type { DossierView } from './dossier-view.js';
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

/** Entries between two pauses of buildSteps (a mask: 2^16 - 1). */
const STEP = 0xffff;

export class IndexBuilder {
  private readonly units = new Map<string, UnitSlots>();
  private readonly slots: Slot[] = [];
  /** Bucket number of each entry; `~n` (negative) for a removal. */
  private ids = new Int32Array(1024);
  private keys = new Float64Array(1024);
  private n = 0;

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

  /** The buckets of every unit touched, each sorted: what was there (`existing`), plus the additions, minus the removals. */
  build(existing?: ExistingKeys): Map<string, BuiltUnit> {
    const steps = this.buildSteps(existing);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /** build() in pieces: pauses between buckets and every STEP entries, so that a caller can share the thread. */
  *buildSteps(existing?: ExistingKeys): Generator<void, Map<string, BuiltUnit>> {
    const count = this.slots.length;
    const adds = new Int32Array(count);
    const removes = new Int32Array(count);
    let ids = this.ids;
    for (let i = 0; i < this.n; i++) {
      if ((i & STEP) === STEP) yield;
      const id = ids[i];
      if (id >= 0) adds[id]++;
      else removes[~id]++;
    }
    const kept: Float64Array[] = new Array(count);
    const taken: (Float64Array | undefined)[] = new Array(count);
    const addAt = new Int32Array(count);
    const removeAt = new Int32Array(count);
    for (let s = 0; s < count; s++) {
      const { unitId, kind, key } = this.slots[s];
      const before = existing?.(unitId, kind, key);
      kept[s] = new Float64Array(adds[s] + (before?.length ?? 0));
      if (before) kept[s].set(before);
      addAt[s] = before?.length ?? 0;
      if (removes[s] > 0) taken[s] = new Float64Array(removes[s]);
    }
    let keys = this.keys;
    for (let i = 0; i < this.n; i++) {
      if ((i & STEP) === STEP) yield;
      const id = ids[i];
      if (id >= 0) kept[id][addAt[id]++] = keys[i];
      else taken[~id]![removeAt[~id]++] = keys[i];
    }
    // Copied out: the columns (some 12 bytes per entry, doubled as they grew) can go while the buckets are built.
    this.ids = ids = new Int32Array(0);
    this.keys = keys = new Float64Array(0);
    this.n = 0;
    const out = new Map<string, BuiltUnit>();
    for (let s = 0; s < count; s++) {
      yield;
      const { unitId, kind, key } = this.slots[s];
      let unit = out.get(unitId);
      if (unit === undefined) out.set(unitId, (unit = { byProcedure: new Map(), stepsByHandler: new Map() }));
      const categories = kind === 'steps' ? STEP_CATEGORIES : DOSSIER_CATEGORIES;
      const bucket = Bucket.fromSorted(categories, kept[s].sort());
      if (taken[s]) bucket.subtract(taken[s]!.sort());
      if (kind === 'all') unit.all = bucket;
      else if (kind === 'procedure') unit.byProcedure.set(key, bucket);
      else unit.stepsByHandler.set(key, bucket);
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
    if (this.n === this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const keys = new Float64Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    this.ids[this.n] = remove ? ~slot : slot;
    this.keys[this.n++] = key;
  }
}
