import { expect } from '@jest/globals';
import ExcelJS from 'exceljs';
import type { TimelinessRow } from '../../../src/projections/report-index/timeliness-report.js';

/**
 * Reading an exported form back, as a person would: the lines above the table, the headings
 * (group heading / column heading), and each row's cells by heading.
 */
export interface FormSheet {
  titles: string[];
  /** "group / column" for a grouped column, the heading alone otherwise; one per column. */
  headings: string[];
  rows: Record<string, string | number>[];
  notes: string[];
}

/** A supertest parser that keeps the answer's bytes as a Buffer, whatever its type: `.parse(binary)`. */
export function binary(response: unknown, done: (err: Error | null, body: Buffer) => void) {
  const res = response as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

export async function readXlsx(body: Buffer): Promise<{ sheet: FormSheet; workbook: ExcelJS.Workbook }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  expect(workbook.worksheets).toHaveLength(1);
  const ws = workbook.worksheets[0]!;
  const grid: (string | number)[][] = [];
  for (let r = 1; r <= ws.rowCount; r++) {
    const cells: (string | number)[] = [];
    for (let c = 1; c <= ws.columnCount; c++) {
      const cell = ws.getCell(r, c);
      // A merged heading is read at its first cell only, as in the CSV.
      const v = cell.isMerged && cell.master.address !== cell.address ? null : cell.value;
      cells.push(v === null || v === undefined ? '' : typeof v === 'number' ? v : String(v));
    }
    grid.push(cells);
  }
  return { sheet: readGrid(grid), workbook };
}

/** RFC 4180 strictly: CRLF after every record, quoted fields, equal field counts; after the UTF-8 BOM. */
export function readCsv(text: string): FormSheet {
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const records: string[][] = [];
  let record: string[] = [];
  let i = 1;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field');
        field += text.slice(i, q);
        i = q + 1;
        if (text[i] === '"') {
          field += '"';
          i++;
        } else break;
      }
    } else {
      const m = /[,\r"]|$/.exec(text.slice(i))!;
      if (m[0] === '"') throw new Error(`a quote inside an unquoted field at ${i}`);
      field = text.slice(i, i + m.index);
      i += m.index;
    }
    record.push(field);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      records.push(record);
      record = [];
      i += 2;
    } else throw new Error(`expected a comma or CRLF at ${i}, found ${JSON.stringify(text.slice(i, i + 10))}`);
  }
  expect(record).toEqual([]); // the last record ends with CRLF too
  const widths = new Set(records.map((r) => r.length));
  expect(widths.size).toBe(1);
  return readGrid(records.map((r) => r.map((f) => (/^\d+$/.test(f) ? Number(f) : f))));
}

function readGrid(grid: (string | number)[][]): FormSheet {
  const top = grid.findIndex((r) => r[0] === 'STT');
  expect(top).toBeGreaterThan(0);
  const titles = grid.slice(0, top).map((r) => String(r[0])).filter((t) => t !== '');
  // Every title line stands alone in its first cell.
  for (const r of grid.slice(0, top)) expect(r.slice(1).every((c) => c === '')).toBe(true);
  const headings: string[] = [];
  let group = '';
  grid[top]!.forEach((g, c) => {
    const sub = String(grid[top + 1]![c]);
    if (g !== '') group = String(g);
    headings.push(sub === '' ? group : `${group} / ${sub}`);
  });
  const rows: Record<string, string | number>[] = [];
  let r = top + 2;
  for (; r < grid.length && grid[r]!.some((c) => c !== ''); r++) rows.push(Object.fromEntries(headings.map((h, c) => [h, grid[r]![c]!])));
  const notes = grid.slice(r).map((row) => String(row[0])).filter((t) => t !== '');
  return { titles, headings, rows, notes };
}

/** What Form II.06a shows of a JSON row, by heading (group / column). */
export const ii06a = (r: Omit<TimelinessRow, 'key'>) => ({
  'Số hồ sơ nhận giải quyết / Tổng số': r.carriedOver + r.received.total,
  'Số hồ sơ nhận giải quyết / Kỳ trước chuyển qua': r.carriedOver,
  'Số hồ sơ nhận giải quyết / Trực tuyến': r.received.online,
  'Số hồ sơ nhận giải quyết / Trực tiếp và bưu chính': r.received.direct + r.received.postal,
  'Số hồ sơ đã giải quyết / Tổng số': r.resolved.total,
  'Số hồ sơ đã giải quyết / Trước hạn': r.resolved.early,
  'Số hồ sơ đã giải quyết / Đúng hạn': r.resolved.onTime,
  'Số hồ sơ đã giải quyết / Quá hạn': r.resolved.late,
  'Số hồ sơ đang giải quyết / Tổng số': r.inProgress.total,
  'Số hồ sơ đang giải quyết / Trong hạn': r.inProgress.withinDue,
  'Số hồ sơ đang giải quyết / Quá hạn': r.inProgress.overdue,
  'Số hồ sơ đã rút (ngoài mẫu)': r.withdrawn,
});
