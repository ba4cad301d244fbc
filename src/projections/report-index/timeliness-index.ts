/**
 * The in-memory index behind the timeliness and step reports.
 *
 * Every count the reports need is either "how many X happened before t" or "how many intervals
 * are open at E", and the latter is #starts-before-E minus #ends-before-E. So each dossier is
 * reduced to a handful of (category, instant) entries, and for each receiving unit (and each
 * (unit, procedure) pair, and each (unit, handling unit) pair for steps) the entries are kept in a
 * sorted bucket (bucket.ts). A report over any period is then two binary searches per category
 * per bucket: exact, and independent of the number of dossiers.
 *
 * Subtrees: a report over a big subtree would visit every unit's buckets (a province of a thousand
 * units with a hundred procedures: a hundred thousand buckets). Instead, the first query over a
 * subtree of at least `rollUpMinUnits` units creates a ROLL-UP of it: the same buckets counting
 * the entries of all its units by month (roll-up-bucket.ts, no entry of its own), kept current by
 * every later change of any of them. The unit tree lives
 * in the catalog and may change; a roll-up remembers the units it was built over, each query checks
 * them against the subtree it is asked about, and a roll-up that no longer matches is rebuilt.
 *
 * The index is derived data: the SQLite `dossiers` table is the durable source. At start it is
 * loaded from the snapshot saved at the last clean shutdown (plus the report deltas written since,
 * after a crash), or rebuilt from the table.
 */
import { Bucket } from './bucket.js';
import type { DossierView } from '../views/dossier-view.js';
import { type BuiltUnit, type ExistingKeys, IndexBuilder } from './index-builder.js';
import { RollUpBucket } from './roll-up-bucket.js';
import { countedPerProcedure, DOSSIER_CATEGORIES, type IndexEntry, RECEIVED_CATEGORIES, STEP_CATEGORIES, visitEntries } from './index-entries.js';

export { Bucket } from './bucket.js';

export {
  CLOSED_CATEGORIES,
  D,
  DOSSIER_CATEGORIES,
  type IndexEntry,
  indexEntriesOf,
  RECEIVED_CATEGORIES,
  S,
  STEP_CATEGORIES,
  visitEntries,
} from './index-entries.js';

/** What the reports need from the catalog (CatalogService has it). */
export interface UnitTree {
  children(unitId: string): string[];
  /** The unit and everything below it. */
  subtree(unitId: string): string[];
}

/** The buckets of a group of dossiers: one unit's, or a subtree's (a roll-up). */
export interface UnitIndex {
  /** Every dossier of the group. */
  all: Bucket;
  byProcedure: Map<string, Bucket>;
  /** Steps of the group's dossiers, by the unit that handled them. */
  stepsByHandler: Map<string, Bucket>;
}

export interface RollUp extends UnitIndex {
  root: string;
  /** The units it was built over: the subtree of `root` at that time. */
  members: ReadonlySet<string>;
}

export interface IndexOptions {
  /** Subtrees of at least this many units are answered from a roll-up (default 8; Infinity: never). */
  rollUpMinUnits?: number;
  /** Entries added or removed in bulk that are made buckets at once (default BULK_SEAL_ENTRIES). */
  bulkSealEntries?: number;
}

export const DEFAULT_ROLL_UP_MIN_UNITS = 8;
/**
 * Bulk entries held before they are made buckets: a build's columns take 12 bytes an entry and its
 * buckets 4, so columns of a whole build (its read-backs twice) held at 5 M dossiers most of its peak.
 */
export const BULK_SEAL_ENTRIES = 1 << 22;

export const emptyUnitIndex = (): UnitIndex => ({ all: new Bucket(DOSSIER_CATEGORIES), byProcedure: new Map(), stepsByHandler: new Map() });

export class TimelinessIndex {
  private readonly units = new Map<string, UnitIndex>();
  private readonly rollUps = new Map<string, RollUp>();
  /** For each unit, the roll-ups it belongs to (whether it has dossiers yet or not). */
  private readonly rollUpsOf = new Map<string, RollUp[]>();
  /** Bulk additions and removals, until `seal()`. */
  private pending: IndexBuilder | undefined;
  /** Moves whenever a unit gains or replaces a bucket or a roll-up's members change: roll-ups' member lists are kept until then. */
  private shape = 0;
  readonly rollUpMinUnits: number;
  private readonly bulkSealEntries: number;

  constructor(options: IndexOptions = {}) {
    this.rollUpMinUnits = options.rollUpMinUnits ?? DEFAULT_ROLL_UP_MIN_UNITS;
    this.bulkSealEntries = options.bulkSealEntries ?? BULK_SEAL_ENTRIES;
  }

  unit(unitId: string): UnitIndex | undefined {
    this.seal();
    return this.units.get(unitId);
  }

  /**
   * The buckets holding exactly the dossiers received by `unitId` (scope self) or by any unit of
   * its subtree (scope subtree): the unit's own, its units' own for a small subtree, or the
   * subtree's roll-up (created, or rebuilt after the tree changed, on the way). `subtree`: the
   * tree's subtree of the unit, when the caller has it already.
   */
  cover(tree: UnitTree, unitId: string, scope: 'self' | 'subtree', subtree?: string[]): UnitIndex[] {
    this.seal(); // bulk changes not sealed yet count too
    if (scope === 'self') return this.units.has(unitId) ? [this.units.get(unitId)!] : [];
    const members = subtree ?? tree.subtree(unitId);
    if (members.length < this.rollUpMinUnits) return members.flatMap((u) => this.units.get(u) ?? []);
    return [this.rollUpOf(unitId, members)];
  }

  /** Replaces what `before` contributed by what `after` contributes, touching only the entries that differ. */
  replace(before: DossierView | undefined, after: DossierView): void {
    const removed = new Map<string, IndexEntry & { n: number }>();
    if (before !== undefined) {
      visitEntries(before, (category, at, handler) => {
        const k = key(category, at, handler);
        const found = removed.get(k);
        if (found) found.n++;
        else removed.set(k, { category, at, handler, n: 1 });
      });
    }
    const added: IndexEntry[] = [];
    visitEntries(after, (category, at, handler) => {
      const found = removed.get(key(category, at, handler));
      if (found && found.n > 0) found.n--;
      else added.push({ category, at, handler });
    });
    for (const target of this.targets(after.unitId)) {
      const make = (kind: 'procedure' | 'steps', k: string, categories: number) => this.newBucket(target, kind, k, categories);
      for (const e of removed.values()) {
        for (let i = 0; i < e.n; i++) bucketOf(target, after.procedureCode, e, make, (b) => b.remove(e.category, e.at));
      }
      for (const e of added) bucketOf(target, after.procedureCode, e, make, (b) => b.add(e.category, e.at));
    }
  }

  /** The dossiers indexed: each has one reception entry. */
  dossierCount(): number {
    let n = 0;
    for (const [, u] of this.unitList()) for (const c of RECEIVED_CATEGORIES) n += u.all.count(c, Number.POSITIVE_INFINITY);
    return n;
  }

  /** Adds `n` of an entry (takes them away when negative): a report delta of report-deltas.ts. */
  applyDelta(unitId: string, procedureCode: string, handler: string | null, category: number, at: number, n: number): void {
    this.seal();
    const entry: IndexEntry = { category, at, handler };
    for (const target of this.targets(unitId)) {
      const make = (kind: 'procedure' | 'steps', k: string, categories: number) => this.newBucket(target, kind, k, categories);
      for (let i = 0; i < Math.abs(n); i++) bucketOf(target, procedureCode, entry, make, (b) => (n > 0 ? b.add(category, at) : b.remove(category, at)));
    }
  }

  /** Adds a dossier in bulk: counted once `seal()` has built the buckets. */
  bulkAdd(view: DossierView): void {
    (this.pending ??= new IndexBuilder()).add(view);
    if (this.pending.size >= this.bulkSealEntries) this.seal();
  }

  /** Takes back a dossier added before (in bulk or not), applied at `seal()`. */
  bulkRemove(view: DossierView): void {
    (this.pending ??= new IndexBuilder()).remove(view);
    if (this.pending.size >= this.bulkSealEntries) this.seal();
  }

  /** Builds the buckets of what was added and removed in bulk, merged with what they held, each in place as soon as built. */
  seal(): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return;
    const touched = new Set<string>();
    pending.build(this.existingKeys, (unitId, kind, key, bucket) => {
      touched.add(unitId);
      const u = this.units.get(unitId) ?? emptyUnitIndex();
      if (kind === 'all') u.all = bucket;
      else if (kind === 'procedure') u.byProcedure.set(key, bucket);
      else u.stepsByHandler.set(key, bucket);
      this.units.set(unitId, u);
    });
    this.changedInBulk(touched);
  }

  /** seal() with `pause` awaited between pieces of the work (an index built on the thread that serves requests). */
  async sealSharing(pause: () => Promise<void>): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return;
    const steps = pending.buildSteps(this.existingKeys);
    for (;;) {
      const step = steps.next();
      if (step.done) return this.install(step.value);
      await pause();
    }
  }

  private readonly existingKeys: ExistingKeys = (unitId, kind, key) => {
    const u = this.units.get(unitId);
    const bucket = kind === 'all' ? u?.all : kind === 'procedure' ? u?.byProcedure.get(key) : u?.stepsByHandler.get(key);
    return bucket?.sortedKeys();
  };

  private install(built: Map<string, BuiltUnit>): void {
    for (const [unitId, b] of built) {
      const u = this.units.get(unitId) ?? emptyUnitIndex();
      if (b.all) u.all = b.all;
      for (const [code, bucket] of b.byProcedure) u.byProcedure.set(code, bucket);
      for (const [handler, bucket] of b.stepsByHandler) u.stepsByHandler.set(handler, bucket);
      this.units.set(unitId, u);
    }
    this.changedInBulk(new Set(built.keys()));
  }

  /** Units given buckets in bulk: the roll-ups over them are built again (no bulk load has any so far). */
  private changedInBulk(units: ReadonlySet<string>): void {
    this.shape++;
    for (const r of [...this.rollUps.values()]) {
      if ([...r.members].some((m) => units.has(m))) this.createRollUp(r.root, [...r.members]);
    }
  }

  // ---- roll-ups ----

  /** The roll-ups, for a snapshot or for a rebuilt index to start with the same ones. */
  rollUpList(): RollUp[] {
    this.seal();
    return [...this.rollUps.values()];
  }

  unitList(): [string, UnitIndex][] {
    this.seal();
    return [...this.units];
  }

  /** Creates a roll-up of `members` under `root`: its buckets count the units' buckets' entries by month. */
  createRollUp(root: string, members: readonly string[]): RollUp {
    this.seal();
    this.dropRollUp(root);
    const all: Bucket[] = [];
    const byProcedure = new Map<string, Bucket[]>();
    const byHandler = new Map<string, Bucket[]>();
    for (const m of new Set(members)) {
      const u = this.units.get(m);
      if (u === undefined) continue;
      all.push(u.all);
      for (const [code, b] of u.byProcedure) push(byProcedure, code, b);
      for (const [handler, b] of u.stepsByHandler) push(byHandler, handler, b);
    }
    const over = (categories: number, parts: Bucket[], pick: (u: UnitIndex) => Bucket | undefined) =>
      RollUpBucket.over(categories, parts, this.memberBuckets(root, pick));
    return this.installRollUp(root, members, {
      all: over(DOSSIER_CATEGORIES, all, (u) => u.all),
      byProcedure: new Map([...byProcedure].map(([code, parts]) => [code, over(DOSSIER_CATEGORIES, parts, (u) => u.byProcedure.get(code))])),
      stepsByHandler: new Map([...byHandler].map(([handler, parts]) => [handler, over(STEP_CATEGORIES, parts, (u) => u.stepsByHandler.get(handler))])),
    });
  }

  /** The buckets of the current members of the roll-up under `root`, as they are when asked. */
  private memberBuckets(root: string, pick: (u: UnitIndex) => Bucket | undefined): () => Bucket[] {
    let cached: Bucket[] = [];
    let at = -1;
    return () => {
      if (at === this.shape) return cached;
      cached = [];
      for (const m of this.rollUps.get(root)?.members ?? []) {
        const u = this.units.get(m);
        const b = u && pick(u);
        if (b !== undefined) cached.push(b);
      }
      at = this.shape;
      return cached;
    };
  }

  /** A new bucket of `target`: a unit's, or one of a roll-up's over its members' buckets of that key. */
  private newBucket(target: UnitIndex, kind: 'procedure' | 'steps', key: string, categories: number): Bucket {
    if (!('root' in target)) {
      this.shape++;
      return new Bucket(categories);
    }
    const pick = kind === 'procedure' ? (u: UnitIndex) => u.byProcedure.get(key) : (u: UnitIndex) => u.stepsByHandler.get(key);
    return new RollUpBucket(categories, this.memberBuckets((target as RollUp).root, pick));
  }

  /** Installs buckets (from a snapshot) as the unit's. */
  installUnit(unitId: string, buckets: UnitIndex): void {
    this.shape++;
    this.units.set(unitId, buckets);
  }

  /** Installs buckets (built, or from a snapshot) as the roll-up of `members` under `root`. */
  installRollUp(root: string, members: readonly string[], buckets: UnitIndex): RollUp {
    this.shape++;
    this.dropRollUp(root);
    const r: RollUp = { all: buckets.all, byProcedure: buckets.byProcedure, stepsByHandler: buckets.stepsByHandler, root, members: new Set(members) };
    this.rollUps.set(root, r);
    for (const m of r.members) push(this.rollUpsOf, m, r);
    return r;
  }

  private rollUpOf(root: string, members: string[]): RollUp {
    const r = this.rollUps.get(root);
    if (r === undefined) return this.createRollUp(root, members);
    if (members.length === r.members.size && members.every((m) => r.members.has(m))) return r;
    // The tree changed. Units without dossiers change no count: only the membership moves.
    const now = new Set(members);
    const changed = [...members.filter((m) => !r.members.has(m)), ...[...r.members].filter((m) => !now.has(m))];
    if (changed.every((m) => !this.units.has(m))) return this.installRollUp(root, members, r);
    return this.createRollUp(root, members);
  }

  private dropRollUp(root: string): void {
    const r = this.rollUps.get(root);
    if (r === undefined) return;
    this.rollUps.delete(root);
    for (const m of r.members) {
      const list = this.rollUpsOf.get(m)!.filter((x) => x !== r);
      if (list.length > 0) this.rollUpsOf.set(m, list);
      else this.rollUpsOf.delete(m);
    }
  }

  /** The unit's own buckets (created when missing) and those of every roll-up it belongs to. */
  private targets(unitId: string): UnitIndex[] {
    let u = this.units.get(unitId);
    if (u === undefined) {
      this.units.set(unitId, (u = emptyUnitIndex()));
      this.shape++;
    }
    const rollUps = this.rollUpsOf.get(unitId);
    return rollUps === undefined ? [u] : [u, ...rollUps];
  }
}

type NewBucket = (kind: 'procedure' | 'steps', key: string, categories: number) => Bucket;

function bucketOf(target: UnitIndex, procedureCode: string, { category, handler }: IndexEntry, make: NewBucket, apply: (b: Bucket) => void): void {
  if (handler !== null) return apply(getOrCreate(target.stepsByHandler, handler, () => make('steps', handler, STEP_CATEGORIES)));
  apply(target.all);
  if (countedPerProcedure(category)) apply(getOrCreate(target.byProcedure, procedureCode, () => make('procedure', procedureCode, DOSSIER_CATEGORIES)));
}

function push<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}

function getOrCreate(map: Map<string, Bucket>, k: string, create: () => Bucket): Bucket {
  let b = map.get(k);
  if (b === undefined) map.set(k, (b = create()));
  return b;
}

const key = (category: number, at: number, handler: string | null) => `${category}\u0001${handler ?? ''}\u0001${at}`;
