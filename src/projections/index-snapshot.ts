/**
 * The report index as rows of a table: one row per unit, holding the sorted keys of all its
 * buckets in one BLOB and a small JSON directory saying which bucket is which; one row per roll-up
 * naming its members only (a roll-up counts its members' entries: created again from them). Loading
 * a million dossiers' index is then a thousand row reads, instead of parsing a million views and
 * sorting their entries again.
 */
import { Bucket, CATEGORY_SPAN } from './bucket.js';
import { DOSSIER_CATEGORIES, type IndexOptions, STEP_CATEGORIES, TimelinessIndex, type UnitIndex } from './timeliness-index.js';

export interface SnapshotRow {
  /** `u:<unit id>` or `r:<root unit id>`. */
  id: string;
  directory: string;
  /** Float64 keys, native byte order. */
  keys: Uint8Array;
}

/** Which bucket: `a` all, `p` one procedure, `s` one handling unit's steps; then its key and size. */
type DirectoryEntry = ['a' | 'p' | 's', string, number];

interface Directory {
  /** Roll-ups only: the units it was built over. */
  members?: string[];
  buckets: DirectoryEntry[];
}

export function* snapshotRows(index: TimelinessIndex): Generator<SnapshotRow> {
  for (const [unitId, u] of index.unitList()) yield encode(`u:${unitId}`, u);
  for (const r of index.rollUpList()) {
    const directory: Directory = { members: [...r.members], buckets: [] };
    yield { id: `r:${r.root}`, directory: JSON.stringify(directory), keys: new Uint8Array(0) };
  }
}

export function indexFromSnapshot(rows: Iterable<SnapshotRow>, options: IndexOptions = {}): TimelinessIndex {
  const index = new TimelinessIndex(options);
  const rollUps: [string, string[]][] = [];
  for (const row of rows) {
    if (row.id.startsWith('u:')) index.installUnit(row.id.slice(2), decode(row).buckets);
    else if (row.id.startsWith('r:')) {
      const { members } = JSON.parse(row.directory) as Directory;
      if (members === undefined) throw new Error(`index snapshot row ${row.id} names no members`);
      rollUps.push([row.id.slice(2), members]);
    } else throw new Error(`unknown index snapshot row ${row.id}`);
  }
  // Once every unit is in: a roll-up counts its members' buckets.
  for (const [root, members] of rollUps) index.createRollUp(root, members);
  return index;
}

/** The net change of one report entry over some report deltas (report-deltas.ts). */
export interface DeltaSum {
  unit_id: string;
  procedure_code: string;
  /** '' for a dossier category. */
  handler: string;
  category: number;
  at: number;
  n: number;
}

/** Adds to an index loaded from a snapshot the net changes of the entries since it was saved. */
export function applyDeltas(index: TimelinessIndex, sums: Iterable<DeltaSum>): void {
  for (const d of sums) index.applyDelta(d.unit_id, d.procedure_code, d.handler === '' ? null : d.handler, d.category, d.at, d.n);
}

function encode(id: string, u: UnitIndex): SnapshotRow {
  const entries: [DirectoryEntry, Float64Array][] = [[['a', '', u.all.size], u.all.sortedKeys()]];
  for (const [code, b] of u.byProcedure) entries.push([['p', code, b.size], b.sortedKeys()]);
  for (const [handler, b] of u.stepsByHandler) entries.push([['s', handler, b.size], b.sortedKeys()]);
  const keys = new Float64Array(entries.reduce((n, [[, , size]]) => n + size, 0));
  let at = 0;
  for (const [, k] of entries) {
    keys.set(k, at);
    at += k.length;
  }
  const directory: Directory = { buckets: entries.map(([d]) => d) };
  return { id, directory: JSON.stringify(directory), keys: Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength) };
}

function decode(row: SnapshotRow): { buckets: UnitIndex } {
  const directory = JSON.parse(row.directory) as Directory;
  const n = row.keys.byteLength / 8;
  let keys: Float64Array;
  if (row.keys.byteOffset % 8 === 0) keys = new Float64Array(row.keys.buffer, row.keys.byteOffset, n);
  else {
    // A Buffer may sit at any offset of a shared pool: copied into an aligned one of our own.
    keys = new Float64Array(n);
    new Uint8Array(keys.buffer).set(row.keys);
  }
  const buckets: UnitIndex = { all: new Bucket(DOSSIER_CATEGORIES), byProcedure: new Map(), stepsByHandler: new Map() };
  let at = 0;
  for (const [kind, key, size] of directory.buckets) {
    // Each bucket owns a slice of the row's keys until its first insert moves it to a bigger array.
    const sorted = keys.subarray(at, at + size);
    at += size;
    // Keys of a category this version does not know come from another layout: never counted silently.
    const categories = kind === 's' ? STEP_CATEGORIES : DOSSIER_CATEGORIES;
    if (size > 0 && !(sorted[size - 1] < categories * CATEGORY_SPAN)) throw new Error(`index snapshot row ${row.id} holds a category beyond the ${categories} this version counts`);
    if (kind === 'a') buckets.all = Bucket.fromSorted(DOSSIER_CATEGORIES, sorted);
    else if (kind === 'p') buckets.byProcedure.set(key, Bucket.fromSorted(DOSSIER_CATEGORIES, sorted));
    else buckets.stepsByHandler.set(key, Bucket.fromSorted(STEP_CATEGORIES, sorted));
  }
  if (at !== keys.length) throw new Error(`index snapshot row ${row.id} does not match its directory`);
  return { buckets };
}
