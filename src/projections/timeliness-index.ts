/**
 * The in-memory index behind the timeliness and step reports.
 *
 * Every count the reports need is either "how many X happened before t" or "how many intervals
 * are open at E", and the latter is #starts-before-E minus #ends-before-E. So each dossier is
 * reduced to a handful of (category, instant) entries, and for each receiving unit (and each
 * (unit, procedure) pair, and each (unit, handling unit) pair for steps) the entries of a
 * category are kept as a sorted array of instants. A report over any period is then two binary
 * searches per category per unit: exact, and independent of the number of dossiers.
 *
 * The index is derived data: the SQLite `dossiers` table is the durable source, and the index is
 * rebuilt from it at start (`bulkAdd` + `seal`).
 */
import type { DossierView } from './dossier-view.js';
import { SortedInstants } from './sorted-instants.js';

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

const CHANNEL_CATEGORY = { online: D.RECEIVED_ONLINE, direct: D.RECEIVED_DIRECT, postal: D.RECEIVED_POSTAL } as const;

/** Pure: the entries a dossier contributes. */
export function indexEntriesOf(view: DossierView): IndexEntry[] {
  const out: IndexEntry[] = [];
  // A corrupt instant (never written by the decider) is left out rather than poisoning the index.
  const dossier = (category: number, at: number) => Number.isFinite(at) && out.push({ category, at, handler: null });
  const step = (handler: string, category: number, at: number) => Number.isFinite(at) && out.push({ category, at, handler });

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

/**
 * All entries of a bucket in ONE sorted array of composite keys `category * 2^43 + (t + 2^42)`:
 * categories occupy consecutive ranges, instants are sorted within each. One array per bucket
 * (instead of one per category) keeps the object count, and so memory, low at a million
 * dossiers; every value is an exact integer below 2^53. Instants from 1830 to 2109 fit.
 */
const CATEGORY_SPAN = 2 ** 43;
const INSTANT_OFFSET = 2 ** 42;
const LINEAR_SCAN_MAX = 48;

function keyOf(category: number, t: number): number {
  if (!(t >= -INSTANT_OFFSET && t < INSTANT_OFFSET)) throw new RangeError(`instant ${t} is out of the index's range`);
  return category * CATEGORY_SPAN + t + INSTANT_OFFSET;
}

export class Bucket {
  private readonly keys = new SortedInstants();

  constructor(readonly categories: number) {}

  /** Entries of `category` strictly before `t`. */
  count(category: number, t: number): number {
    const base = category * CATEGORY_SPAN;
    return this.keys.countBefore(base + Math.max(0, Math.min(CATEGORY_SPAN, t + INSTANT_OFFSET))) - this.keys.countBefore(base);
  }

  /**
   * Adds, for every category c, the number of its entries before `from` to atFrom[c] and before
   * `end` to atEnd[c]: the whole report of a bucket in one pass, searching each category's range only.
   */
  accumulate(from: number, end: number, atFrom: Float64Array, atEnd: Float64Array): void {
    const keys = this.keys;
    const f = Math.max(0, Math.min(CATEGORY_SPAN, from + INSTANT_OFFSET));
    const e = Math.max(0, Math.min(CATEGORY_SPAN, end + INSTANT_OFFSET));
    if (keys.size <= LINEAR_SCAN_MAX) {
      // Small buckets (a unit's dossiers of one procedure): one pass beats a dozen binary searches.
      const view = keys.view();
      for (let i = 0; i < view.length; i++) {
        const c = Math.floor(view[i] / CATEGORY_SPAN);
        const t = view[i] - c * CATEGORY_SPAN;
        if (t < f) atFrom[c]++;
        if (t < e) atEnd[c]++;
      }
      return;
    }
    let lo = 0;
    for (let c = 0; c < this.categories; c++) {
      const hi = keys.countBefore((c + 1) * CATEGORY_SPAN, lo);
      if (hi > lo) {
        atFrom[c] += keys.countBefore(c * CATEGORY_SPAN + f, lo, hi) - lo;
        atEnd[c] += keys.countBefore(c * CATEGORY_SPAN + e, lo, hi) - lo;
      }
      lo = hi;
    }
  }

  add(category: number, t: number, bulk = false): void {
    if (bulk) this.keys.push(keyOf(category, t));
    else this.keys.insert(keyOf(category, t));
  }

  remove(category: number, t: number): void {
    if (!this.keys.remove(keyOf(category, t))) throw new Error(`index entry ${category}@${t} not found`);
  }

  seal(): void {
    this.keys.seal();
  }
}

export interface UnitIndex {
  /** Every dossier received by the unit. */
  all: Bucket;
  byProcedure: Map<string, Bucket>;
  /** Steps of the unit's dossiers, by the unit that handled them. */
  stepsByHandler: Map<string, Bucket>;
}

export class TimelinessIndex {
  private readonly units = new Map<string, UnitIndex>();

  unit(unitId: string): UnitIndex | undefined {
    return this.units.get(unitId);
  }

  /** Replaces what `before` contributed by what `after` contributes, touching only the entries that differ. */
  replace(before: DossierView | undefined, after: DossierView): void {
    const removed = new Map<string, IndexEntry & { n: number }>();
    if (before !== undefined) {
      for (const e of indexEntriesOf(before)) {
        const k = key(e);
        const found = removed.get(k);
        if (found) found.n++;
        else removed.set(k, { ...e, n: 1 });
      }
    }
    const added: IndexEntry[] = [];
    for (const e of indexEntriesOf(after)) {
      const found = removed.get(key(e));
      if (found && found.n > 0) found.n--;
      else added.push(e);
    }
    const unit = this.unitIndex(after.unitId);
    for (const e of removed.values()) for (let i = 0; i < e.n; i++) this.bucketOf(unit, after.procedureCode, e).forEach((b) => b.remove(e.category, e.at));
    for (const e of added) this.bucketOf(unit, after.procedureCode, e).forEach((b) => b.add(e.category, e.at));
  }

  /** Adds a dossier without keeping arrays sorted; call `seal()` once all are in. */
  bulkAdd(view: DossierView): void {
    const unit = this.unitIndex(view.unitId);
    for (const e of indexEntriesOf(view)) this.bucketOf(unit, view.procedureCode, e).forEach((b) => b.add(e.category, e.at, true));
  }

  seal(): void {
    for (const u of this.units.values()) {
      u.all.seal();
      for (const b of u.byProcedure.values()) b.seal();
      for (const b of u.stepsByHandler.values()) b.seal();
    }
  }

  private unitIndex(unitId: string): UnitIndex {
    let u = this.units.get(unitId);
    if (u === undefined) {
      u = { all: new Bucket(DOSSIER_CATEGORIES), byProcedure: new Map(), stepsByHandler: new Map() };
      this.units.set(unitId, u);
    }
    return u;
  }

  private bucketOf(unit: UnitIndex, procedureCode: string, e: IndexEntry): Bucket[] {
    if (e.handler !== null) return [getOrCreate(unit.stepsByHandler, e.handler, STEP_CATEGORIES)];
    return [unit.all, getOrCreate(unit.byProcedure, procedureCode, DOSSIER_CATEGORIES)];
  }
}

function getOrCreate(map: Map<string, Bucket>, k: string, categories: number): Bucket {
  let b = map.get(k);
  if (b === undefined) map.set(k, (b = new Bucket(categories)));
  return b;
}

const key = (e: IndexEntry) => `${e.category}\u0001${e.handler ?? ''}\u0001${e.at}`;
