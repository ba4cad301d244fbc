/**
 * A unit's register (Circular 01/2018's tracking book) as the service reads it: one row per
 * dossier with its status and, when the book has them, the instants of receipt, resolution and
 * return. From CSV (a header row; English or Vietnamese column names, with or without
 * diacritics; `,`, `;` or tab) or from a JSON array of `{ dossierId, status, receivedAt?, ... }`.
 * Pure: no I/O beyond the parser, every problem reported with its line.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { DAY_MS, daysFromCivil, LOCAL_OFFSET_MS } from '../calendar/time.js';
import { instantRangeError } from '../common/instant-range.js';
import { ID_PATTERN } from '../common/ids.js';
import type { DossierStatus } from '../projections/views/dossier-view.js';
import { normalizeWord } from '../import/import-format.js';

export const INSTANT_FIELDS = ['receivedAt', 'resolvedAt', 'returnedAt'] as const;
export type InstantField = (typeof INSTANT_FIELDS)[number];

/** An instant of the register: to the minute (or second), or a day only (`dd/MM/yyyy` without a time). */
export interface RegisterInstant {
  ms: number;
  /** Only the local (+07:00) day was written: compared by day. */
  dateOnly: boolean;
}

export interface RegisterRow {
  /** The row's line in the CSV file (its item number, from 1, in a JSON array). */
  line: number;
  dossierId: string;
  status: DossierStatus;
  receivedAt?: RegisterInstant;
  resolvedAt?: RegisterInstant;
  returnedAt?: RegisterInstant;
}

export interface LineProblem {
  line: number;
  message: string;
}

export interface ReadRegister {
  rows: RegisterRow[];
  /** Every problem found (the caller shows the first few); no row of a register with problems is used. */
  problems: LineProblem[];
}

type Field = 'dossierId' | 'status' | InstantField;

const synonyms = <T extends string>(table: Record<T, string[]>): Map<string, T> => {
  const map = new Map<string, T>();
  for (const [value, words] of Object.entries(table) as [T, string[]][]) for (const w of [value, ...words]) map.set(normalizeWord(w), value);
  return map;
};

/** Column names by field, compared after normalizeWord (`Mã hồ sơ`, `MA HO SO`, `ma_ho_so` alike). */
const COLUMNS = synonyms<Field>({
  dossierId: ['dossier id', 'mã hồ sơ', 'số hồ sơ', 'mã hs', 'số hs', 'số biên nhận'],
  status: ['trạng thái', 'tình trạng', 'trạng thái hồ sơ', 'tình trạng hồ sơ'],
  receivedAt: ['received at', 'ngày nhận', 'ngày tiếp nhận', 'thời điểm tiếp nhận', 'ngày nhận hồ sơ'],
  resolvedAt: ['resolved at', 'ngày giải quyết', 'ngày có kết quả', 'ngày hoàn thành', 'thời điểm giải quyết'],
  returnedAt: ['returned at', 'ngày trả kết quả', 'ngày trả', 'thời điểm trả kết quả'],
});

/**
 * The register's status words, by the service's status (docs/API.md lists them). A book that
 * writes "đang xử lý" for every open dossier differs from the system's `awaiting_supplement`:
 * that is a difference worth seeing (the citizen was asked for a supplement, or was not).
 */
export const STATUS_WORDS = synonyms<DossierStatus>({
  received: ['processing', 'in progress', 'open', 'đã tiếp nhận', 'mới tiếp nhận', 'tiếp nhận', 'đang xử lý', 'đang giải quyết', 'đang thụ lý', 'chờ xử lý'],
  awaiting_supplement: ['awaiting supplement', 'chờ bổ sung', 'yêu cầu bổ sung', 'đang bổ sung', 'tạm dừng chờ bổ sung'],
  resolved: ['đã giải quyết', 'đã có kết quả', 'có kết quả', 'giải quyết xong', 'chờ trả kết quả', 'đã xử lý'],
  returned: ['đã trả kết quả', 'đã trả', 'trả kết quả', 'hoàn thành', 'đã hoàn thành'],
  withdrawn: ['đã rút', 'rút hồ sơ', 'đã rút hồ sơ', 'công dân rút hồ sơ'],
});

/** `dd/MM/yyyy`, optionally ` HH:mm[:ss]`: local time (+07:00), as registers write it. */
const VN_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
/** ISO 8601 with an offset, or a date alone (a local day). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Reads a register cell as an instant; a message when it is not one. */
export function registerInstant(cell: string): RegisterInstant | string {
  let result: RegisterInstant | undefined;
  const vn = VN_DATE.exec(cell);
  const day = vn ?? ISO_DATE.exec(cell);
  if (day) {
    const [y, mo, d] = vn ? [+vn[3], +vn[2], +vn[1]] : [+day[1], +day[2], +day[3]];
    const [h, mi, s] = vn ? [+(vn[4] ?? 0), +(vn[5] ?? 0), +(vn[6] ?? 0)] : [0, 0, 0];
    if (mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) && h < 24 && mi < 60 && s < 60) {
      result = { ms: daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000 - LOCAL_OFFSET_MS, dateOnly: !(vn && vn[4] !== undefined) };
    }
  } else if (ISO_INSTANT.test(cell)) {
    const ms = Date.parse(cell);
    const [y, mo, d] = [+cell.slice(0, 4), +cell.slice(5, 7), +cell.slice(8, 10)];
    if (!Number.isNaN(ms) && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo)) result = { ms, dateOnly: false };
  }
  if (result === undefined) return `"${cell.slice(0, 40)}" is not a date: write dd/MM/yyyy HH:mm (local time) or an ISO 8601 instant with an offset`;
  const outOfRange = instantRangeError(result.ms, 'the date');
  return outOfRange ? outOfRange.message : result;
}

const daysIn = (year: number, month: number) => (month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31);

/** The status a register word names (words repeat down a register: each is normalised once). */
const statusCache = new Map<string, DossierStatus | undefined>();
function statusOf(word: string): DossierStatus | undefined {
  if (!statusCache.has(word)) {
    if (statusCache.size > 1000) statusCache.clear();
    statusCache.set(word, STATUS_WORDS.get(normalizeWord(word)));
  }
  return statusCache.get(word);
}

/** A row from its cells by field (CSV) or its JSON item: the row, or why it cannot be one. */
function rowOf(line: number, cells: Partial<Record<Field, unknown>>, problems: LineProblem[]): RegisterRow | undefined {
  const reasons: string[] = [];
  const text = (field: Field): string | undefined => {
    const v = cells[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      reasons.push(`${field} must be a string`);
      return undefined;
    }
    return v.trim() === '' ? undefined : v.trim();
  };
  const dossierId = text('dossierId');
  if (dossierId === undefined) reasons.push('dossierId is empty');
  else if (!ID_PATTERN.test(dossierId)) reasons.push(`dossierId "${dossierId.slice(0, 70)}" must match [A-Za-z0-9._-]{1,64}`);
  const word = text('status');
  const status = word === undefined ? undefined : statusOf(word);
  if (word === undefined) reasons.push('status is empty');
  else if (status === undefined) reasons.push(`status "${word.slice(0, 40)}" is not a status the service knows (e.g. đang xử lý, chờ bổ sung, đã giải quyết, đã trả kết quả, đã rút)`);
  const row: Partial<RegisterRow> = { line, dossierId, status };
  for (const field of INSTANT_FIELDS) {
    const cell = text(field);
    if (cell === undefined) continue;
    const at = registerInstant(cell);
    if (typeof at === 'string') reasons.push(`${field}: ${at}`);
    else row[field] = at;
  }
  if (reasons.length > 0) {
    problems.push({ line, message: reasons.join('; ') });
    return undefined;
  }
  return row as RegisterRow;
}

/** Refuses a second row of a dossier (the register must list each once), naming the first. */
function collect(rows: RegisterRow[], problems: LineProblem[], unit: 'line' | 'item'): ReadRegister {
  const first = new Map<string, number>();
  const unique: RegisterRow[] = [];
  for (const row of rows) {
    const earlier = first.get(row.dossierId);
    if (earlier !== undefined) problems.push({ line: row.line, message: `dossier ${row.dossierId} is listed already on ${unit} ${earlier}` });
    else {
      first.set(row.dossierId, row.line);
      unique.push(row);
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return { rows: unique, problems };
}

/** A register sent as CSV. Throws RegisterFileError for a file that is no register at all. */
export function readCsvRegister(file: Buffer): ReadRegister {
  const text = file.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new RegisterFileError('the register is empty');
  // Without a quote no record spans lines, so record i is line i + 1, and csv-parse reads about
  // twice as fast without `info` (which then counts the lines).
  const quoted = text.includes('"');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    const parsed = parseCsv(text, { delimiter: delimiterOf(text.slice(0, text.search(/\r?\n|$/))), info: quoted, skip_empty_lines: quoted, relax_column_count: true }) as unknown[];
    records = quoted ? (parsed as typeof records) : (parsed as string[][]).map((record, i) => ({ record, info: { lines: i + 1 } })).filter((r) => r.record.some((c) => c !== ''));
  } catch (error) {
    // A broken quote leaves the parser lost; its message names the line.
    throw new RegisterFileError(`the CSV cannot be read: ${(error as Error).message}`);
  }
  if (records.length === 0) throw new RegisterFileError('the register has no header row');
  const fields = headerFields(records[0].record);
  const rows: RegisterRow[] = [];
  const problems: LineProblem[] = [];
  for (let i = 1; i < records.length; i++) {
    const { record, info } = records[i];
    if (record.length > fields.length && record.slice(fields.length).some((c) => c.trim() !== '')) {
      problems.push({ line: info.lines, message: `the row has ${record.length} cells and the header ${fields.length}` });
      continue;
    }
    const cells: Partial<Record<Field, string>> = {};
    for (let f = 0; f < fields.length; f++) if (fields[f] !== undefined) cells[fields[f]!] = record[f];
    const row = rowOf(info.lines, cells, problems);
    if (row) rows.push(row);
  }
  return collect(rows, problems, 'line');
}

/** A register sent as a JSON array of `{ dossierId, status, receivedAt?, resolvedAt?, returnedAt? }`. */
export function readJsonRegister(body: unknown): ReadRegister {
  if (!Array.isArray(body)) throw new RegisterFileError('a JSON register is an array of { dossierId, status, receivedAt?, resolvedAt?, returnedAt? }');
  const rows: RegisterRow[] = [];
  const problems: LineProblem[] = [];
  body.forEach((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return void problems.push({ line: i + 1, message: 'the item is not an object' });
    const unknown = Object.keys(item).filter((k) => k !== 'dossierId' && k !== 'status' && !(INSTANT_FIELDS as readonly string[]).includes(k));
    if (unknown.length > 0) return void problems.push({ line: i + 1, message: `unknown field ${unknown[0].slice(0, 40)} (fields: dossierId, status, ${INSTANT_FIELDS.join(', ')})` });
    const row = rowOf(i + 1, item as Partial<Record<Field, unknown>>, problems);
    if (row) rows.push(row);
  });
  return collect(rows, problems, 'item');
}

/** The field of each header column (undefined: a column the reconciliation ignores). */
function headerFields(header: string[]): (Field | undefined)[] {
  const fields = header.map((h) => COLUMNS.get(normalizeWord(h)));
  for (const required of ['dossierId', 'status'] as const) {
    if (!fields.includes(required)) throw new RegisterFileError(`the register's header has no ${required} column (mã hồ sơ / dossierId, trạng thái / status); header: ${header.join(', ').slice(0, 200)}`);
  }
  const twice = fields.find((f, i) => f !== undefined && fields.indexOf(f) !== i);
  if (twice) throw new RegisterFileError(`the register's header has two columns for ${twice}`);
  return fields;
}

/** Excel writes `;` where the decimal mark is a comma (Vietnamese settings): the header says which. */
function delimiterOf(header: string): string {
  const counts = [',', ';', '\t'].map((d) => ({ d, n: header.split(d).length - 1 })).sort((a, b) => b.n - a.n);
  return counts[0].n > 0 ? counts[0].d : ',';
}

/** A body that cannot be a register at all (400, nothing recorded). */
export class RegisterFileError extends Error {}
