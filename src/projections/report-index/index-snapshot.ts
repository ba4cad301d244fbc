/**
 * The report index as rows of a table: for each unit, one row of its dossier buckets and one per
 * unit that handled its steps, each holding its buckets' entries in one BLOB as they are in memory
 * (month blocks of 32-bit offsets, bucket-months.ts) and a small JSON directory saying which bucket
 * is which; one row per roll-up naming its members only (a roll-up counts its members' entries:
 * created again from them). Loading is then row reads and copies, without a conversion per entry.
 * A report delta changes the buckets of one row (a step category, its handler's; else the unit's
 * dossier buckets), so that rows saved at different moments each take the deltas since their own.
 */
import { Bucket } from './bucket.js';
import { DOSSIER_CATEGORIES, type IndexOptions, STEP_CATEGORIES, TimelinessIndex, type UnitIndex } from './timeliness-index.js';

/** Names the layout of the rows: a snapshot of another one is not read (its index is built from the views). */
export const SNAPSHOT_FORMAT = `months-2:${DOSSIER_CATEGORIES}:${STEP_CATEGORIES}`;

export interface SnapshotRow {
  /** `u:<unit id>` (its dossier buckets), `s:<unit id>\u0001<handling unit id>` (those steps), or `r:<root unit id>`. */
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

/** What a unit is saved as, row by row: its dossier buckets (`handler` null), or the steps one unit handled. */
export interface RowPart {
  unitId: string;
  handler: string | null;
}

const STEPS_SEPARATOR = '\u0001';

export function* snapshotRows(index: TimelinessIndex): Generator<SnapshotRow> {
  for (const [unitId, u] of index.unitList()) {
    for (const part of rowParts(unitId, u)) yield partRow(part, u)!;
  }
  for (const r of index.rollUpList()) {
    const directory: Directory = { members: [...r.members], buckets: [] };
    yield { id: `r:${r.root}`, directory: JSON.stringify(directory), keys: new Uint8Array(0) };
  }
}

/** The rows a unit is saved as. */
export function rowParts(unitId: string, u: UnitIndex): RowPart[] {
  return [{ unitId, handler: null }, ...[...u.stepsByHandler.keys()].map((handler) => ({ unitId, handler }))];
}

/** The row of one part of unit `u`, as its buckets are now; undefined for steps it no longer has. */
export function partRow({ unitId, handler }: RowPart, u: UnitIndex): SnapshotRow | undefined {
  if (handler === null) {
    return encode(`u:${unitId}`, [['a', '', u.all], ...[...u.byProcedure].map(([code, b]): [DirectoryEntry[0], string, Bucket] => ['p', code, b])]);
  }
  const steps = u.stepsByHandler.get(handler);
  return steps && encode(`s:${unitId}${STEPS_SEPARATOR}${handler}`, [['s', handler, steps]]);
}

export function indexFromSnapshot(rows: Iterable<SnapshotRow>, options: IndexOptions = {}): TimelinessIndex {
  const index = new TimelinessIndex(options);
  const units = new Map<string, UnitIndex>();
  const rollUps: [string, string[]][] = [];
  for (const row of rows) {
    const kind = row.id.slice(0, 2);
    if (kind === 'u:' || kind === 's:') {
      const unitId = kind === 'u:' ? row.id.slice(2) : row.id.slice(2, row.id.indexOf(STEPS_SEPARATOR));
      let u = units.get(unitId);
      if (u === undefined) units.set(unitId, (u = { all: new Bucket(DOSSIER_CATEGORIES), byProcedure: new Map(), stepsByHandler: new Map() }));
      decode(row, u);
    } else if (kind === 'r:') {
      const { members } = JSON.parse(row.directory) as Directory;
      if (members === undefined) throw new Error(`index snapshot row ${row.id} names no members`);
      rollUps.push([row.id.slice(2), members]);
    } else throw new Error(`unknown index snapshot row ${row.id}`);
  }
  for (const [unitId, u] of units) index.installUnit(unitId, u);
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

function encode(id: string, buckets: [DirectoryEntry[0], string, Bucket][]): SnapshotRow {
  const entries = buckets.map(([kind, key, b]): [DirectoryEntry, Uint32Array] => {
    const blocks = b.monthBlocks();
    return [[kind, key, b.size, blocks.length], blocks];
  });
  const words = new Uint32Array(entries.reduce((n, [[, , , length]]) => n + length, 0));
  let at = 0;
  for (const [, blocks] of entries) {
    words.set(blocks, at);
    at += blocks.length;
  }
  const directory: Directory = { buckets: entries.map(([d]) => d) };
  return { id, directory: JSON.stringify(directory), keys: new Uint8Array(words.buffer) };
}

/** Adds the buckets of `row` to `u`. */
function decode(row: SnapshotRow, u: UnitIndex): void {
  const directory = JSON.parse(row.directory) as Directory;
  const bytes = row.keys;
  let at = 0;
  for (const [kind, key, size, length] of directory.buckets) {
    if (!Number.isInteger(length) || (at + length) * 4 > bytes.byteLength) throw new Error(`index snapshot row ${row.id} does not match its directory`);
    // A copy of its own per bucket (the row's buffer may sit unaligned in a pool, and is let go).
    const blocks = new Uint32Array(length);
    new Uint8Array(blocks.buffer).set(bytes.subarray(at * 4, (at + length) * 4));
    at += length;
    const bucket = Bucket.fromMonthBlocks(kind === 's' ? STEP_CATEGORIES : DOSSIER_CATEGORIES, blocks, size);
    if (kind === 'a') u.all = bucket;
    else if (kind === 'p') u.byProcedure.set(key, bucket);
    else u.stepsByHandler.set(key, bucket);
  }
  if (at * 4 !== bytes.byteLength) throw new Error(`index snapshot row ${row.id} does not match its directory`);
}
