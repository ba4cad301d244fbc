/**
 * Writers of a FormTable: CSV (RFC 4180) and an Excel workbook (exceljs). Both lay the sheet out
 * the same way: titles, a blank line, the two heading rows, the rows with the total last, notes.
 */
import ExcelJS from 'exceljs';
import type { Cell, FormTable, HeadingGroup } from './form-table.js';

/** The two heading rows as a grid ('' where a merged heading covers the cell) and their merges. */
export function headingGrid(groups: readonly HeadingGroup[]): { rows: [string[], string[]]; merges: { row: number; col: number; rows: number; cols: number }[] } {
  const top: string[] = [];
  const bottom: string[] = [];
  const merges: { row: number; col: number; rows: number; cols: number }[] = [];
  for (const g of groups) {
    const col = top.length;
    if (g.columns === undefined) {
      top.push(g.label);
      bottom.push('');
      merges.push({ row: 0, col, rows: 2, cols: 1 });
    } else {
      top.push(g.label, ...g.columns.slice(1).map(() => ''));
      bottom.push(...g.columns);
      if (g.columns.length > 1) merges.push({ row: 0, col, rows: 1, cols: g.columns.length });
    }
  }
  return { rows: [top, bottom], merges };
}

export const width = (t: FormTable) => headingGrid(t.groups).rows[0].length;

// ---- CSV ----

/** Excel reads a CSV as the local ANSI code page unless it starts with this mark: with it, as UTF-8. */
const UTF8_BOM = '\uFEFF';

/**
 * RFC 4180: comma-separated, CRLF-terminated records of equal length, a field quoted when it holds
 * a comma, a quote, CR or LF, quotes doubled. Text that a spreadsheet would take for a formula
 * (a name starting with =, +, - or @) is prefixed with an apostrophe (CSV injection).
 */
export function toCsv(t: FormTable): string {
  const n = width(t);
  const pad = (cells: Cell[]) => [...cells, ...Array<Cell>(Math.max(0, n - cells.length)).fill('')];
  const records: Cell[][] = [
    ...t.titles.map((line) => pad([line])),
    pad([]),
    ...headingGrid(t.groups).rows,
    ...t.rows.map(pad),
    pad([]),
    ...t.notes.map((line) => pad([line])),
  ];
  return UTF8_BOM + records.map((r) => r.map(csvField).join(',') + '\r\n').join('');
}

function csvField(cell: Cell): string {
  if (typeof cell === 'number') return String(cell);
  const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// ---- xlsx ----

const THIN = { style: 'thin' } as const;
const BORDER: Partial<ExcelJS.Borders> = { top: THIN, left: THIN, bottom: THIN, right: THIN };
const FONT = 'Times New Roman';

/** The table as one worksheet: merged title lines, merged headings, numbers as numbers, borders. */
export async function toXlsx(t: FormTable, created: Date): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'dossier-lifecycle-service';
  workbook.created = created;
  workbook.modified = created;
  const n = width(t);
  const sheet = workbook.addWorksheet(t.sheetName, {
    pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  sheet.columns = t.groups.flatMap((g) => (g.columns ?? [g.label]).map(() => ({ width: g.width ?? 12 })));

  let row = 1;
  for (const [i, line] of t.titles.entries()) {
    sheet.mergeCells(row, 1, row, n);
    const cell = sheet.getCell(row, 1);
    cell.value = line;
    // The form's name and its heading stand out; the lines that say what was counted do not.
    cell.font = { name: FONT, size: i <= 1 ? 13 : 11, bold: i <= 1 };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    row++;
  }
  row++;

  const headingTop = row;
  const grid = headingGrid(t.groups);
  for (const cells of grid.rows) {
    cells.forEach((text, c) => {
      const cell = sheet.getCell(row, c + 1);
      if (text !== '') cell.value = text;
      cell.font = { name: FONT, size: 11, bold: true };
      cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
      cell.border = BORDER;
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
    });
    sheet.getRow(row).height = 36;
    row++;
  }
  for (const m of grid.merges) sheet.mergeCells(headingTop + m.row, m.col + 1, headingTop + m.row + m.rows - 1, m.col + m.cols);

  for (const [i, cells] of t.rows.entries()) {
    const total = i === t.rows.length - 1;
    cells.forEach((value, c) => {
      const cell = sheet.getCell(row, c + 1);
      if (value !== '') cell.value = value;
      cell.font = { name: FONT, size: 11, bold: total };
      cell.border = BORDER;
      if (typeof value === 'number') {
        cell.numFmt = Number.isInteger(value) ? '#,##0' : '#,##0.00';
        cell.alignment = { horizontal: c === 0 ? 'center' : 'right' };
      }
    });
    row++;
  }
  row++;
  for (const line of t.notes) {
    sheet.mergeCells(row, 1, row, n);
    const cell = sheet.getCell(row, 1);
    cell.value = line;
    cell.font = { name: FONT, size: 10, italic: true };
    row++;
  }
  // The headings stay in view while the rows scroll.
  sheet.views = [{ state: 'frozen', xSplit: 2, ySplit: headingTop + 1 }];
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
