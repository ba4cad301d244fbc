/**
 * What a line of an import file says, before any check against the dossier: its command and the
 * fields of the HTTP body of that command (API.md). NDJSON lines carry those fields as they are;
 * CSV rows are mapped from their column names (English or Vietnamese, with or without diacritics)
 * and their cells translated (Vietnamese channel, outcome and yes/no words, dd/mm/yyyy dates).
 */

/** The integrator commands, named as the last segment of their HTTP path. */
export const IMPORT_COMMANDS = ['receive', 'transfer', 'request-supplement', 'supplement', 'apologize', 'resolve', 'return-result', 'withdraw'] as const;
export type ImportCommandKind = (typeof IMPORT_COMMANDS)[number];

/** The body fields a file may carry (besides `command` and `dossierId`). */
export const BODY_FIELDS = [
  'procedureCode', 'unitId', 'channel', 'receivedAt', 'digitized', 'toUnitId', 'allottedWorkingHours', 'occurredAt', 'reason',
  'newAppointmentAt', 'responsibleUnitId', 'outcome', 'resultDigitized',
] as const;
export type ImportField = 'command' | 'dossierId' | (typeof BODY_FIELDS)[number];

/** A line that says which command, for which dossier, with which body fields. */
export interface ImportRecord {
  kind: ImportCommandKind;
  dossierId: string;
  body: Record<string, unknown>;
}

/** Why a line could not even be read as a command (a refusal before the pipeline). */
export class LineRefusal extends Error {
  constructor(
    readonly code: 'INVALID_JSON' | 'UNKNOWN_COMMAND' | 'VALIDATION_FAILED',
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** A whole file the import cannot read (400 over HTTP, exit code 2 on the command line). */
export class ImportFileError extends Error {}

/** Lower case, no diacritics (đ as d), words separated by one space: how names and words are compared. */
export function normalizeWord(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const synonyms = <T extends string>(table: Record<T, string[]>): Map<string, T> => {
  const map = new Map<string, T>();
  for (const [value, words] of Object.entries(table) as [T, string[]][]) for (const w of [value, ...words]) map.set(normalizeWord(w), value);
  return map;
};

/** Column names, by field; a name is compared after normalizeWord, so `Mã hồ sơ`, `MA HO SO` and `ma_ho_so` match. */
const COLUMN_NAMES = synonyms<ImportField>({
  command: ['lệnh', 'thao tác', 'nghiệp vụ', 'loại thao tác'],
  dossierId: ['dossier id', 'mã hồ sơ', 'số hồ sơ', 'mã hs', 'số hs'],
  procedureCode: ['procedure code', 'mã thủ tục', 'mã tthc', 'mã thủ tục hành chính'],
  unitId: ['unit id', 'mã đơn vị', 'đơn vị tiếp nhận', 'mã đơn vị tiếp nhận'],
  channel: ['kênh', 'kênh tiếp nhận', 'hình thức nộp', 'hình thức tiếp nhận'],
  receivedAt: ['received at', 'ngày tiếp nhận', 'thời điểm tiếp nhận', 'ngày nhận'],
  digitized: ['số hóa', 'đã số hóa', 'hồ sơ số hóa'],
  toUnitId: ['to unit id', 'đơn vị chuyển đến', 'chuyển đến', 'đơn vị nhận'],
  allottedWorkingHours: ['allotted working hours', 'số giờ được giao', 'giờ làm việc được giao', 'thời gian được giao giờ'],
  occurredAt: ['occurred at', 'thời điểm', 'thời điểm xảy ra', 'ngày thực hiện', 'thời gian thực hiện'],
  reason: ['lý do', 'nội dung'],
  newAppointmentAt: ['new appointment at', 'ngày hẹn mới', 'ngày hẹn trả mới', 'ngày hẹn trả kết quả mới'],
  responsibleUnitId: ['responsible unit id', 'đơn vị chịu trách nhiệm', 'đơn vị gây chậm'],
  outcome: ['kết quả', 'kết quả giải quyết'],
  resultDigitized: ['result digitized', 'kết quả số hóa', 'kết quả đã số hóa'],
});

const COMMAND_WORDS = synonyms<ImportCommandKind>({
  receive: ['tiếp nhận', 'nhận hồ sơ'],
  transfer: ['chuyển', 'chuyển xử lý', 'luân chuyển'],
  'request-supplement': ['requestSupplement', 'yêu cầu bổ sung'],
  supplement: ['bổ sung', 'đã bổ sung'],
  apologize: ['xin lỗi', 'thư xin lỗi', 'gia hạn'],
  resolve: ['giải quyết', 'có kết quả'],
  'return-result': ['returnResult', 'trả kết quả'],
  withdraw: ['rút', 'rút hồ sơ'],
});

/** The command a cell or a JSON value names; undefined when it names none. */
export function commandOf(value: unknown): ImportCommandKind | undefined {
  return typeof value === 'string' ? COMMAND_WORDS.get(normalizeWord(value)) : undefined;
}

/**
 * The field of each column of a CSV header (undefined: a column the import ignores). `mapping`
 * names columns the built-in names do not know: `{ "Số biên nhận": "dossierId" }`.
 */
export function columnFields(header: string[], mapping: Record<string, string> = {}): (ImportField | undefined)[] {
  const custom = new Map<string, ImportField>();
  for (const [column, field] of Object.entries(mapping)) {
    const known = COLUMN_NAMES.get(normalizeWord(field));
    if (!known) throw new ImportFileError(`the column mapping names an unknown field "${field}" (fields: command, dossierId, ${BODY_FIELDS.join(', ')})`);
    custom.set(normalizeWord(column), known);
  }
  const fields = header.map((h) => custom.get(normalizeWord(h)) ?? COLUMN_NAMES.get(normalizeWord(h)));
  for (const required of ['command', 'dossierId'] as const) {
    if (!fields.includes(required)) throw new ImportFileError(`the CSV header has no ${required} column (header: ${header.join(', ')})`);
  }
  const twice = fields.find((f, i) => f !== undefined && fields.indexOf(f) !== i);
  if (twice) throw new ImportFileError(`the CSV header has two columns for ${twice}`);
  return fields;
}

/** `Số HS=dossierId,Loại=command`: a column mapping as given on the command line or in a query. */
export function parseColumnMapping(text: string | undefined): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const pair of (text ?? '').split(',').filter((p) => p.trim() !== '')) {
    const at = pair.lastIndexOf('=');
    if (at <= 0) throw new ImportFileError(`a column mapping is "column=field,...", not "${pair}"`);
    mapping[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return mapping;
}

/** An NDJSON line's object: `{ command, dossierId, ...body }`. */
export function recordFromJson(value: unknown): ImportRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LineRefusal('INVALID_JSON', 'the line is not a JSON object');
  const { command, dossierId, ...rest } = value as Record<string, unknown>;
  const kind = commandOf(command);
  if (!kind) throw new LineRefusal('UNKNOWN_COMMAND', `unknown command ${JSON.stringify(command)} (commands: ${IMPORT_COMMANDS.join(', ')})`);
  if (typeof dossierId !== 'string') throw new LineRefusal('VALIDATION_FAILED', 'dossierId must be a string');
  // A reception names its dossier in its body, as POST /dossiers does; the others in their path.
  return { kind, dossierId, body: kind === 'receive' ? { dossierId, ...rest } : rest };
}

const BOOLEANS = synonyms<'true' | 'false'>({ true: ['1', 'yes', 'x', 'có', 'đúng'], false: ['0', 'no', 'không', 'sai'] });
const CHANNELS = synonyms({ online: ['trực tuyến', 'dịch vụ công trực tuyến'], direct: ['trực tiếp'], postal: ['bưu chính', 'bưu điện', 'bưu chính công ích'] });
const OUTCOMES = synonyms({ approved: ['chấp thuận', 'đạt', 'được giải quyết'], refused: ['từ chối', 'không đạt', 'không giải quyết'] });
const INSTANT_FIELDS = new Set<ImportField>(['receivedAt', 'occurredAt', 'newAppointmentAt']);
/** `dd/mm/yyyy`, optionally with `hh:mm[:ss]`: how Vietnamese registers write dates (local time, +07:00). */
const VN_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/** A CSV row (cells by field): empty cells are absent fields; words and dates are translated. */
export function recordFromRow(cells: Partial<Record<ImportField, string>>): ImportRecord {
  const body: Record<string, unknown> = {};
  for (const [field, raw] of Object.entries(cells) as [ImportField, string][]) {
    const cell = raw.trim();
    if (cell === '' || field === 'command' || field === 'dossierId') continue;
    body[field] = cellValue(field, cell);
  }
  // One "when" column serves every row of a register: a reception's is its receivedAt.
  if (commandOf(cells.command) === 'receive' && body.receivedAt === undefined && body.occurredAt !== undefined) {
    body.receivedAt = body.occurredAt;
    delete body.occurredAt;
  }
  return recordFromJson({ command: cells.command?.trim(), dossierId: cells.dossierId?.trim(), ...body });
}

function cellValue(field: ImportField, cell: string): unknown {
  const word = normalizeWord(cell);
  switch (field) {
    case 'digitized':
    case 'resultDigitized': {
      const b = BOOLEANS.get(word);
      return b === undefined ? cell : b === 'true';
    }
    case 'channel':
      return CHANNELS.get(word) ?? cell;
    case 'outcome':
      return OUTCOMES.get(word) ?? cell;
    case 'allottedWorkingHours': {
      const n = Number(cell.replace(',', '.'));
      return /^\d+([.,]\d+)?$/.test(cell) && Number.isFinite(n) ? n : cell;
    }
    default: {
      if (!INSTANT_FIELDS.has(field)) return cell;
      const m = VN_DATE.exec(cell);
      if (!m) return cell;
      const [, d, mo, y, h = '0', mi = '00', s = '00'] = m;
      return `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}T${h.padStart(2, '0')}:${mi}:${s}+07:00`;
    }
  }
}
