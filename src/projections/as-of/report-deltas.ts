/**
 * The history of the report entries (index-entries.ts) by recorded instant: what as-of answers
 * read instead of replaying the log. Each event that changes a dossier's entries adds DELTAS: +n
 * for entries that appeared, -n for entries that went, stamped with the event's recorded instant.
 * The entries known at T are then exactly those of the deltas recorded by T; the report index
 * (which holds the sum of all deltas) minus the deltas recorded after T gives any figure as of T.
 *
 * Deltas recorded after T matter only when their instant `at` is before the report's t (from or
 * E <= T): those straddle T (late entries, apologies, replans). To find them without reading every
 * later delta, each is filed under the class of its lag (recorded - at) in powers of two: in class
 * k, rec > T means at > T - 2^k, so each class is one range of `at` (report_deltas_by_lag).
 */
import type { DossierView } from '../views/dossier-view.js';
import { visitEntries } from '../report-index/index-entries.js';

/** A stored delta: lag class, at, position, unit (receiving), procedure, handler ('' for dossier categories), category, recorded at, n. */
export type DeltaRow = [lagClass: number, at: number, position: number, unitId: string, procedureCode: string, handler: string, category: number, recordedAt: number, n: number];


/** An event recorded at no known instant is known as of no instant (as the replay treats it). */
export const UNKNOWN_RECORDED_AT = Number.MAX_SAFE_INTEGER;

/** Class 0: recorded at or before `at` (a due instant known ahead); class k >= 1: a lag in [2^(k-1), 2^k) ms. */
export function lagClass(recordedAt: number, at: number): number {
  const lag = recordedAt - at;
  return lag <= 0 ? 0 : Math.min(LAG_CLASSES - 1, 1 + Math.floor(Math.log2(lag)));
}

/** Classes 0..63: lags up to 2^62 ms. */
export const LAG_CLASSES = 64;

/** The exclusive upper bound of a class's lag: in class k, recorded after T means at > T - lagBound(k). */
export const lagBound = (k: number): number => (k === 0 ? 1 : 2 ** k);

/** A dossier's entries, as parallel arrays (no object per entry: a rebuild diffs one per event). */
export interface Entries {
  unitId: string;
  procedureCode: string;
  categories: number[];
  ats: number[];
  handlers: string[];
}

export function entriesOf(view: DossierView): Entries {
  return entriesInto(view, { unitId: '', procedureCode: '', categories: [], ats: [], handlers: [] });
}

/**
 * A view's entries written over `e`'s (its arrays reused): a rebuild keeps each cached view's
 * entries for the next event's diff, and new arrays at every event were garbage the old
 * generation collected (a quarter of the fold's thread at a million dossiers).
 */
export function entriesInto(view: DossierView, e: Entries): Entries {
  e.unitId = view.unitId;
  e.procedureCode = view.procedureCode;
  filling = e;
  filled = 0;
  visitEntries(view, fill);
  e.categories.length = filled;
  e.ats.length = filled;
  e.handlers.length = filled;
  return e;
}

/** The Entries being filled by `fill`, and how many so far: one sink for every call rather than a closure each. */
let filling: Entries = { unitId: '', procedureCode: '', categories: [], ats: [], handlers: [] };
let filled = 0;
function fill(category: number, at: number, handler: string | null): void {
  filling.categories[filled] = category;
  filling.ats[filled] = at;
  filling.handlers[filled++] = handler ?? '';
}

/** Copies `from` over `to` (its arrays reused). */
export function copyEntries(from: Entries, to: Entries): void {
  to.unitId = from.unitId;
  to.procedureCode = from.procedureCode;
  const n = from.categories.length;
  for (let i = 0; i < n; i++) {
    to.categories[i] = from.categories[i];
    to.ats[i] = from.ats[i];
    to.handlers[i] = from.handlers[i];
  }
  to.categories.length = n;
  to.ats.length = n;
  to.handlers.length = n;
}

export const NO_ENTRIES: Entries = { unitId: '', procedureCode: '', categories: [], ats: [], handlers: [] };

/** Where `pushDeltas` puts the deltas it finds: rows (a live batch's) or columns (a rebuild's page). */
export interface DeltaSink {
  add(at: number, position: number, unitId: string, procedureCode: string, handler: string, category: number, recordedAt: number, n: number): void;
}

/** Deltas as stored rows: what a live batch writes with each dossier's row. */
export class DeltaRows implements DeltaSink {
  readonly rows: DeltaRow[] = [];

  add(at: number, position: number, unitId: string, procedureCode: string, handler: string, category: number, recordedAt: number, n: number): void {
    this.rows.push([lagClass(recordedAt, at), at, position, unitId, procedureCode, handler, category, recordedAt, n]);
  }
}

/**
 * A rebuild's deltas of one page, as it crosses to the writer's thread: one flat array of
 * numbers, DELTA_STRIDE per delta (at, position, recorded at, unit, procedure, handler as indexes
 * into `strings`, category, n), whose buffer is transferred, not copied. Arrays of rows cost the
 * fold an allocation per delta and the crossing a clone of each.
 */
export interface DeltaPage {
  length: number;
  values: Float64Array;
  strings: string[];
}

export const DELTA_STRIDE = 8;

export const NO_DELTAS: DeltaPage = { length: 0, values: new Float64Array(0), strings: [] };

export class DeltaColumns implements DeltaSink {
  private length = 0;
  private values: Float64Array;
  /** '' (no handler: a dossier category) is string 0. */
  private readonly strings: string[] = [''];
  private readonly ids = new Map<string, number>([['', 0]]);
  private unit: string | undefined;
  private unitId = 0;
  private procedure: string | undefined;
  private procedureId = 0;

  constructor(expected: number) {
    this.values = new Float64Array(Math.max(64, expected) * DELTA_STRIDE);
  }

  add(at: number, position: number, unitId: string, procedureCode: string, handler: string, category: number, recordedAt: number, n: number): void {
    let o = this.length * DELTA_STRIDE;
    if (o === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    const v = this.values;
    v[o++] = at;
    v[o++] = position;
    v[o++] = recordedAt;
    // An event's deltas mostly share the dossier's unit and procedure: looked up once.
    if (unitId !== this.unit) this.unitId = this.id((this.unit = unitId));
    if (procedureCode !== this.procedure) this.procedureId = this.id((this.procedure = procedureCode));
    v[o++] = this.unitId;
    v[o++] = this.procedureId;
    v[o++] = handler === '' ? 0 : this.id(handler);
    v[o++] = category;
    v[o] = n;
    this.length++;
  }

  page(): DeltaPage {
    return { length: this.length, values: this.values, strings: this.strings };
  }

  private id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.strings.push(text) - 1;
      this.ids.set(text, id);
    }
    return id;
  }
}

/** Which entries of `before` are matched: one array for every call, cleared (entries are a dozen or so). */
let matchedScratch = new Uint8Array(64);
function matchedOf(n: number): Uint8Array {
  if (n > matchedScratch.length) matchedScratch = new Uint8Array(n * 2);
  matchedScratch.fill(0, 0, n);
  return matchedScratch;
}

/**
 * Adds to `out` the deltas that turn `before` into `after` at one
 * event (its position and recorded instant). Entries in both keep their earlier deltas.
 */
export function pushDeltas(before: Entries, after: Entries, position: number, recordedAt: number, out: DeltaSink): void {
  const rec = Number.isFinite(recordedAt) ? recordedAt : UNKNOWN_RECORDED_AT;
  const sameGroup = before.unitId === after.unitId && before.procedureCode === after.procedureCode;
  const matched = sameGroup ? matchedOf(before.categories.length) : undefined;
  // Entries are few (a dozen or so): a nested scan beats hashing a key per entry.
  for (let j = 0; j < after.categories.length; j++) {
    const c = after.categories[j];
    const at = after.ats[j];
    const h = after.handlers[j];
    let found = false;
    if (matched) {
      for (let i = 0; i < before.categories.length; i++) {
        if (matched[i] === 0 && before.categories[i] === c && before.ats[i] === at && before.handlers[i] === h) {
          matched[i] = 1;
          found = true;
          break;
        }
      }
    }
    if (!found) out.add(at, position, after.unitId, after.procedureCode, h, c, rec, 1);
  }
  for (let i = 0; i < before.categories.length; i++) {
    if (matched?.[i] === 1) continue;
    out.add(before.ats[i], position, before.unitId, before.procedureCode, before.handlers[i], before.categories[i], rec, -1);
  }
}
