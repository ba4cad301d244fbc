/**
 * The report index as rows of a table: one row per unit, holding all its buckets' entries in one
 * BLOB as they are in memory (month blocks of 32-bit offsets, bucket-months.ts), and a small JSON
 * directory saying which bucket is which; one row per roll-up naming its members only (a roll-up
 * counts its members' entries: created again from them). Loading is then a thousand row reads and
 * copies, without a conversion per entry.
 */
import { Bucket } from './bucket.js';
import { DOSSIER_CATEGORIES, type IndexOptions, STEP_CATEGORIES, TimelinessIndex, type UnitIndex } from './timeliness-index.js';

/** Names the layout of the rows: a snapshot of another one is not read (its index is built from the views). */
export const SNAPSHOT_FORMAT = `months-1:${DOSSIER_CATEGORIES}:${STEP_CATEGORIES}`;

export interface SnapshotRow {
  /** `u:<unit id>` or `r:<root unit id>`. */
  id: string;
  directory: string;
  /** The buckets' month blocks one after the other (uint32, native byte order), in a buffer of their own. */
  keys: Uint8Array;
}

/** Which bucket: `a` all, `p` one procedure, `s` one handling unit's steps; then its key, entries and words of blocks. */
type DirectoryEntry = ['a' | 'p' | 's', string, number, number];

interface Directory {
  /** Roll-ups only: the units it was built over. */
  members?: string[];
  buckets: DirectoryEntry[];
}

export function* snapshotRows(index: TimelinessIndex): Generator<SnapshotRow> {
  for (const [unitId, u] of index.unitList()) yield unitRow(unitId, u);
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

/** The row of one unit. */
export function unitRow(unitId: string, u: UnitIndex): SnapshotRow {
  const entries: [DirectoryEntry, Uint32Array][] = [];
  const add = (kind: DirectoryEntry[0], key: string, b: Bucket) => {
    const blocks = b.monthBlocks();
    entries.push([[kind, key, b.size, blocks.length], blocks]);
  };
  add('a', '', u.all);
  for (const [code, b] of u.byProcedure) add('p', code, b);
  for (const [handler, b] of u.stepsByHandler) add('s', handler, b);
  const words = new Uint32Array(entries.reduce((n, [[, , , length]]) => n + length, 0));
  let at = 0;
  for (const [, blocks] of entries) {
    words.set(blocks, at);
    at += blocks.length;
  }
  const directory: Directory = { buckets: entries.map(([d]) => d) };
  return { id: `u:${unitId}`, directory: JSON.stringify(directory), keys: new Uint8Array(words.buffer) };
}

function decode(row: SnapshotRow): { buckets: UnitIndex } {
  const directory = JSON.parse(row.directory) as Directory;
  const bytes = row.keys;
  const buckets: UnitIndex = { all: new Bucket(DOSSIER_CATEGORIES), byProcedure: new Map(), stepsByHandler: new Map() };
  let at = 0;
  for (const [kind, key, size, length] of directory.buckets) {
    if (!Number.isInteger(length) || (at + length) * 4 > bytes.byteLength) throw new Error(`index snapshot row ${row.id} does not match its directory`);
    // A copy of its own per bucket (the row's buffer may sit unaligned in a pool, and is let go).
    const blocks = new Uint32Array(length);
    new Uint8Array(blocks.buffer).set(bytes.subarray(at * 4, (at + length) * 4));
    at += length;
    const bucket = Bucket.fromMonthBlocks(kind === 's' ? STEP_CATEGORIES : DOSSIER_CATEGORIES, blocks, size);
    if (kind === 'a') buckets.all = bucket;
    else if (kind === 'p') buckets.byProcedure.set(key, bucket);
    else buckets.stepsByHandler.set(key, bucket);
  }
  if (at * 4 !== bytes.byteLength) throw new Error(`index snapshot row ${row.id} does not match its directory`);
  return { buckets };
}
