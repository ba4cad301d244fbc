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
 * subtree of at least `rollUpMinUnits` units creates a ROLL-UP of it: the same buckets holding the
 * entries of all its units, kept current by every later change of any of them. The unit tree lives
 * in the catalog and may change; a roll-up remembers the units it was built over, each query checks
 * them against the subtree it is asked about, and a roll-up that no longer matches is rebuilt.
 *
 * The index is derived data: the SQLite `dossiers` table is the durable source. At start it is
 * loaded from the snapshot saved at the last clean shutdown, or rebuilt from the table.
 */
import { Bucket } from './bucket.js';
import type { DossierView } from './dossier-view.js';

export { Bucket } from './bucket.js';

/** Categories counted for the unit that received the dossier. */
export const D = {
  RECEIVED_ONLINE: 0,
  RECEIVED_DIRECT: 1,
  RECEIVED_POSTAL: 2,
  RESOLVED_EARLY: 3,
  RESOLVED_ON_TIME: 4,
  RESOLVED_LATE_WITH_APOLOGY: 5,
  RESOLVED_LATE_WITHOUT_APOLOGY: 6,
  WITHDRAWN: 7,
  AWAITING_START: 8,
  AWAITING_END: 9,
  OVERDUE_START: 10,
  OVERDUE_END: 11,
} as const;
export const DOSSIER_CATEGORIES = 12;
export const RECEIVED_CATEGORIES = [D.RECEIVED_ONLINE, D.RECEIVED_DIRECT, D.RECEIVED_POSTAL] as const;
export const CLOSED_CATEGORIES = [
  D.RESOLVED_EARLY,
  D.RESOLVED_ON_TIME,
  D.RESOLVED_LATE_WITH_APOLOGY,
  D.RESOLVED_LATE_WITHOUT_APOLOGY,
  D.WITHDRAWN,
] as const;

/** Categories counted for the unit that handled a step (of a dossier received by the indexed unit). */
export const S = {
  ENTERED: 0,
  ENTERED_WITH_ALLOTMENT: 1,
  LEFT_WITHOUT_ALLOTMENT: 2,
  LEFT_ON_TIME: 3,
  LEFT_LATE: 4,
  OVERRUN_START: 5,
  OVERRUN_END: 6,
  /** Resolution instant of a late dossier for which this unit was responsible. */
  RESPONSIBLE_FOR_LATE: 7,
} as const;
export const STEP_CATEGORIES = 8;

export interface IndexEntry {
  category: number;
  at: number;
  /** null: a dossier category; otherwise the handling (or responsible) unit of a step category. */
  handler: string | null;
}

/** What the reports need from the catalog (CatalogService has it). */
export interface UnitTree {
  children(unitId: string): string[];
  /** The unit and everything below it. */
  subtree(unitId: string): string[];
}

const CHANNEL_CATEGORY = { online: D.RECEIVED_ONLINE, direct: D.RECEIVED_DIRECT, postal: D.RECEIVED_POSTAL } as const;

type EntrySink = (category: number, at: number, handler: string | null) => void;

/** Pure: the entries a dossier contributes, handed to `sink` one by one (no allocation per entry). */
export function visitEntries(view: DossierView, sink: EntrySink): void {
  // A corrupt instant (never written by the decider) is left out rather than poisoning the index.
  const dossier = (category: number, at: number) => Number.isFinite(at) && sink(category, at, null);
  const step = (handler: string, category: number, at: number) => Number.isFinite(at) && sink(category, at, handler);

  dossier(CHANNEL_CATEGORY[view.channel], view.receivedAt);
  if (view.closedAt !== null) dossier(closedCategory(view), view.closedAt);
  for (const a of view.awaiting) {
    dossier(D.AWAITING_START, a.start);
    if (a.end !== null) dossier(D.AWAITING_END, a.end);
  }
  for (const s of view.segments) {
    // Overdue from the due instant (or the segment's start, if later) until the segment ends.
    const from = Math.max(s.start, s.due);
    if (s.end === null) dossier(D.OVERDUE_START, from);
    else if (from < s.end) {
      dossier(D.OVERDUE_START, from);
      dossier(D.OVERDUE_END, s.end);
    }
  }
  for (const st of view.steps) {
    step(st.unitId, S.ENTERED, st.enteredAt);
    if (st.stepDueAt !== null) step(st.unitId, S.ENTERED_WITH_ALLOTMENT, st.enteredAt);
    if (st.leftAt !== null) {
      const category =
        st.stepDueAt === null ? S.LEFT_WITHOUT_ALLOTMENT : st.leftAt > st.stepDueAt ? S.LEFT_LATE : S.LEFT_ON_TIME;
      step(st.unitId, category, st.leftAt);
    }
    if (st.stepDueAt !== null) {
      const from = Math.max(st.enteredAt, st.stepDueAt);
      if (st.leftAt === null) step(st.unitId, S.OVERRUN_START, from);
      else if (from < st.leftAt) {
        step(st.unitId, S.OVERRUN_START, from);
        step(st.unitId, S.OVERRUN_END, st.leftAt);
      }
    }
  }
  if (view.timeliness === 'late' && view.closedAt !== null) {
    for (const unitId of new Set(view.responsibleUnitIds)) step(unitId, S.RESPONSIBLE_FOR_LATE, view.closedAt);
  }
}

/** Pure: the entries a dossier contributes. */
export function indexEntriesOf(view: DossierView): IndexEntry[] {
  const out: IndexEntry[] = [];
  visitEntries(view, (category, at, handler) => out.push({ category, at, handler }));
  return out;
}

function closedCategory(view: DossierView): number {
  if (view.closure === 'withdrawn') return D.WITHDRAWN;
  switch (view.timeliness) {
    case 'early':
      return D.RESOLVED_EARLY;
    case 'on_time':
      return D.RESOLVED_ON_TIME;
    case 'late':
      return view.apologized ? D.RESOLVED_LATE_WITH_APOLOGY : D.RESOLVED_LATE_WITHOUT_APOLOGY;
    case null:
      throw new Error(`dossier ${view.dossierId} is resolved without a timeliness`);
    default: {
      const never: never = view.timeliness;
      throw new Error(`unknown timeliness ${String(never)}`);
    }
  }
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
}

export const DEFAULT_ROLL_UP_MIN_UNITS = 8;

export const emptyUnitIndex = (): UnitIndex => ({ all: new Bucket(DOSSIER_CATEGORIES), byProcedure: new Map(), stepsByHandler: new Map() });

export class TimelinessIndex {
  private readonly units = new Map<string, UnitIndex>();
  private readonly rollUps = new Map<string, RollUp>();
  /** For each unit, the roll-ups it belongs to (whether it has dossiers yet or not). */
  private readonly rollUpsOf = new Map<string, RollUp[]>();
  readonly rollUpMinUnits: number;

  constructor(options: IndexOptions = {}) {
    this.rollUpMinUnits = options.rollUpMinUnits ?? DEFAULT_ROLL_UP_MIN_UNITS;
  }

  unit(unitId: string): UnitIndex | undefined {
    return this.units.get(unitId);
  }

  /**
   * The buckets holding exactly the dossiers received by `unitId` (scope self) or by any unit of
   * its subtree (scope subtree): the unit's own, its units' own for a small subtree, or the
   * subtree's roll-up (created, or rebuilt after the tree changed, on the way).
   */
  cover(tree: UnitTree, unitId: string, scope: 'self' | 'subtree'): UnitIndex[] {
    if (scope === 'self') return this.units.has(unitId) ? [this.units.get(unitId)!] : [];
    const members = tree.subtree(unitId);
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
      for (const e of removed.values()) {
        for (let i = 0; i < e.n; i++) bucketOf(target, after.procedureCode, e.handler, (b) => b.remove(e.category, e.at));
      }
      for (const e of added) bucketOf(target, after.procedureCode, e.handler, (b) => b.add(e.category, e.at));
    }
  }

  /** Adds a dossier without keeping arrays sorted; call `seal()` once all are in. */
  bulkAdd(view: DossierView): void {
    this.bulk(view, false);
  }

  /** Takes back a dossier added by `bulkAdd`, applied at `seal()`. */
  bulkRemove(view: DossierView): void {
    this.bulk(view, true);
  }

  /** The bulk paths run once per dossier of a whole log: entries gathered once, buckets looked up once. */
  private bulk(view: DossierView, remove: boolean): void {
    const n = scratch.collect(view);
    for (const target of this.targets(view.unitId)) {
      const procedure = getOrCreate(target.byProcedure, view.procedureCode, DOSSIER_CATEGORIES);
      for (let i = 0; i < n; i++) {
        const handler = scratch.handlers[i];
        const category = scratch.categories[i];
        const at = scratch.instants[i];
        const first = handler === null ? target.all : getOrCreate(target.stepsByHandler, handler, STEP_CATEGORIES);
        const second = handler === null ? procedure : undefined;
        if (remove) {
          first.removeLater(category, at);
          second?.removeLater(category, at);
        } else {
          first.add(category, at, true);
          second?.add(category, at, true);
        }
      }
    }
  }

  seal(): void {
    for (const u of this.units.values()) sealAll(u);
    for (const r of this.rollUps.values()) sealAll(r);
  }

  // ---- roll-ups ----

  /** The roll-ups, for a snapshot or for a rebuilt index to start with the same ones. */
  rollUpList(): RollUp[] {
    return [...this.rollUps.values()];
  }

  unitList(): [string, UnitIndex][] {
    return [...this.units];
  }

  /** Creates a roll-up of `members` under `root` from the units' buckets (sealed index). */
  createRollUp(root: string, members: readonly string[]): RollUp {
    this.dropRollUp(root);
    const all: Float64Array[] = [];
    const byProcedure = new Map<string, Float64Array[]>();
    const byHandler = new Map<string, Float64Array[]>();
    for (const m of new Set(members)) {
      const u = this.units.get(m);
      if (u === undefined) continue;
      all.push(u.all.sortedKeys());
      for (const [code, b] of u.byProcedure) push(byProcedure, code, b.sortedKeys());
      for (const [handler, b] of u.stepsByHandler) push(byHandler, handler, b.sortedKeys());
    }
    return this.installRollUp(root, members, {
      all: merged(DOSSIER_CATEGORIES, all),
      byProcedure: new Map([...byProcedure].map(([code, parts]) => [code, merged(DOSSIER_CATEGORIES, parts)])),
      stepsByHandler: new Map([...byHandler].map(([handler, parts]) => [handler, merged(STEP_CATEGORIES, parts)])),
    });
  }

  /** Installs buckets (from a snapshot) as the unit's. */
  installUnit(unitId: string, buckets: UnitIndex): void {
    this.units.set(unitId, buckets);
  }

  /** Installs buckets (built, or from a snapshot) as the roll-up of `members` under `root`. */
  installRollUp(root: string, members: readonly string[], buckets: UnitIndex): RollUp {
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
    if (u === undefined) this.units.set(unitId, (u = emptyUnitIndex()));
    const rollUps = this.rollUpsOf.get(unitId);
    return rollUps === undefined ? [u] : [u, ...rollUps];
  }
}

/** Reused entry lists of one dossier (no allocation per entry on the bulk paths). */
const scratch = {
  categories: [] as number[],
  instants: [] as number[],
  handlers: [] as (string | null)[],
  n: 0,
  collect(view: DossierView): number {
    this.n = 0;
    visitEntries(view, this.sink);
    return this.n;
  },
  sink(category: number, at: number, handler: string | null): void {
    const i = scratch.n++;
    scratch.categories[i] = category;
    scratch.instants[i] = at;
    scratch.handlers[i] = handler;
  },
};

function bucketOf(target: UnitIndex, procedureCode: string, handler: string | null, apply: (b: Bucket) => void): void {
  if (handler !== null) return apply(getOrCreate(target.stepsByHandler, handler, STEP_CATEGORIES));
  apply(target.all);
  apply(getOrCreate(target.byProcedure, procedureCode, DOSSIER_CATEGORIES));
}

function sealAll(u: UnitIndex): void {
  u.all.seal();
  for (const b of u.byProcedure.values()) b.seal();
  for (const b of u.stepsByHandler.values()) b.seal();
}

/** One sorted bucket over the keys of several (sorted) buckets. */
function merged(categories: number, parts: Float64Array[]): Bucket {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return Bucket.fromSorted(categories, out.sort());
}

function push<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}

function getOrCreate(map: Map<string, Bucket>, k: string, categories: number): Bucket {
  let b = map.get(k);
  if (b === undefined) map.set(k, (b = new Bucket(categories)));
  return b;
}

const key = (category: number, at: number, handler: string | null) => `${category}\u0001${handler ?? ''}\u0001${at}`;
