import { parse as parseCsv } from 'csv-parse';
import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { columnFields, ImportFileError, type ImportField, type ImportRecord, LineRefusal, recordFromJson, recordFromRow } from './import-format.js';

export type ImportFormat = 'ndjson' | 'csv';

/** One line of the file: its number (1-based), the bytes read so far, and what it says or why it cannot be read. */
export interface SourceLine {
  line: number;
  bytes: number;
  record?: ImportRecord;
  refusal?: LineRefusal;
}

export interface ReadOptions {
  /** Told by the file's name or content type; otherwise from its first characters (`{`: NDJSON). */
  format?: ImportFormat;
  /** CSV columns the built-in names do not know: `{ "Số biên nhận": "dossierId" }`. */
  columns?: Record<string, string>;
}

/**
 * The lines of an import file, in order, each read as a command or refused with a reason. Throws
 * ImportFileError, before yielding anything, for a file that cannot be an import (empty, neither
 * NDJSON nor CSV, a CSV header without the command and dossier columns).
 */
export async function* readImportLines(input: AsyncIterable<Buffer | string>, options: ReadOptions = {}): AsyncGenerator<SourceLine> {
  const { head, chunks } = await peek(input);
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new ImportFileError('the file is empty');
  const format = options.format ?? (text.trimStart().startsWith('{') ? 'ndjson' : 'csv');
  if (format === 'ndjson') yield* ndjsonLines(chunks);
  else yield* csvLines(chunks, delimiterOf(firstLine(text)), options.columns);
}

async function* ndjsonLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<SourceLine> {
  let line = 0;
  let bytes = 0;
  let seenContent = false;
  const read = (raw: string): SourceLine | undefined => {
    line++;
    bytes += Buffer.byteLength(raw) + 1;
    const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).replace(/\r$/, '');
    if (text.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      // The first line decides what the file is: one that is not JSON makes it no NDJSON at all.
      if (!seenContent) throw new ImportFileError(`the file is not NDJSON: line ${line} is not JSON (${(error as Error).message})`);
      return { line, bytes, refusal: new LineRefusal('INVALID_JSON', `the line is not valid JSON: ${(error as Error).message}`) };
    }
    seenContent = true;
    return lineOf(line, bytes, () => recordFromJson(value));
  };
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of chunks) {
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const source = read(text.slice(start, end));
      start = end + 1;
      if (source) yield source;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest !== '') {
    const source = read(rest);
    if (source) yield source;
  }
}

async function* csvLines(chunks: AsyncIterable<Buffer>, delimiter: string, mapping: Record<string, string> | undefined): AsyncGenerator<SourceLine> {
  const parser = parseCsv({ bom: true, delimiter, info: true, skip_empty_lines: true, relax_column_count: true });
  // pipeline: a read error reaches the parser (and so this loop); leaving the loop early stops the reading.
  pipeline(Readable.from(chunks), parser, () => undefined);
  let fields: (ImportField | undefined)[] | undefined;
  let line = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
      line = info.lines;
      if (fields === undefined) {
        fields = columnFields(record, mapping);
        continue;
      }
      if (record.length > fields.length && record.slice(fields.length).some((c) => c.trim() !== '')) {
        yield { line, bytes: info.bytes, refusal: new LineRefusal('VALIDATION_FAILED', `the row has ${record.length} cells and the header ${fields.length}`) };
        continue;
      }
      const cells: Partial<Record<ImportField, string>> = {};
      fields.forEach((f, i) => {
        if (f !== undefined && record[i] !== undefined) cells[f] = record[i];
      });
      yield lineOf(line, info.bytes, () => recordFromRow(cells));
    }
  } catch (error) {
    if (error instanceof ImportFileError || fields === undefined) throw error instanceof ImportFileError ? error : new ImportFileError(`the file is not CSV: ${(error as Error).message}`);
    // A broken quote leaves the parser lost: the rest of the file cannot be read row by row.
    yield { line: line + 1, bytes: 0, refusal: new LineRefusal('VALIDATION_FAILED', `the CSV cannot be read from here on (the lines after it were not read): ${(error as Error).message}`) };
  }
}

function lineOf(line: number, bytes: number, read: () => ImportRecord): SourceLine {
  try {
    return { line, bytes, record: read() };
  } catch (error) {
    if (error instanceof LineRefusal) return { line, bytes, refusal: error };
    throw error;
  }
}

/** The first chunks of a stream (up to a line or 64 KiB), and all its chunks from the start. */
async function peek(input: AsyncIterable<Buffer | string>): Promise<{ head: Buffer; chunks: AsyncIterable<Buffer> }> {
  const iterator = input[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < 65536) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    first.push(chunk);
    size += chunk.length;
    if (chunk.includes(10)) break;
  }
  async function* all(): AsyncGenerator<Buffer> {
    try {
      yield* first;
      if (done) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      }
    } finally {
      if (!done) await iterator.return?.();
    }
  }
  return { head: Buffer.concat(first), chunks: all() };
}

function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

/** Excel writes `;` where the decimal mark is a comma (Vietnamese settings): the header says which. */
function delimiterOf(header: string): string {
  const count = (c: string) => header.split(c).length - 1;
  const candidates = [',', ';', '\t'].map((d) => ({ d, n: count(d) }));
  candidates.sort((a, b) => b.n - a.n);
  return candidates[0].n > 0 ? candidates[0].d : ',';
}
