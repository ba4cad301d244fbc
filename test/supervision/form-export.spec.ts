import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { periodLabel, timelinessForm } from '../../src/supervision/export/form-table.js';
import type { TimelinessReport } from '../../src/supervision/supervision-queries.js';
import { toCsv, toXlsx } from '../../src/supervision/export/render.js';
import { readCsv, readXlsx } from './support/form-sheet.js';

const row = (key: string, n: number) => ({
  key,
  carriedOver: n,
  received: { total: 3 * n, online: n, direct: n, postal: n },
  resolved: { total: 2 * n, early: n, onTime: n, late: 0, lateWithApology: 0, lateWithoutApology: 0 },
  withdrawn: n,
  inProgress: { total: n, withinDue: n, overdue: 0, awaitingSupplement: 0 },
  onTimeRate: 1,
});

const report = (keys: string[]): TimelinessReport => ({
  unitId: 'U',
  from: '2026-02-28T17:00:00.000Z',
  to: '2026-03-31T17:00:00.000Z',
  evaluatedAt: '2026-03-31T17:00:00.000Z',
  scope: 'subtree',
  groupBy: 'child',
  rows: keys.map((k, i) => row(k, i + 1)),
});

/** What a spreadsheet shows of a name: text it would take for a formula is kept as text by a leading apostrophe. */
const shown = (name: string) => (/^[=+\-@\t\r]/.test(name) ? `'${name}` : name);

describe('the form writers', () => {
  it('csv: any unit name (commas, quotes, line breaks, Vietnamese, formula-like) comes back as written, in RFC 4180 records', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { minLength: 1, maxLength: 5 }), (names) => {
        const keys = names.map((_, i) => `K${i}`);
        const sheet = readCsv(toCsv(timelinessForm(report(keys), { unit: (id) => (id === 'U' ? names[0]! : names[Number(id.slice(1))]!), procedure: (c) => c })));
        expect(sheet.rows.slice(0, -1).map((r) => String(r['Đơn vị']))).toEqual(names.map(shown));
        expect(sheet.titles).toContain(`Đơn vị: ${names[0]!} (U), gồm các đơn vị trực thuộc`);
      }),
      { numRuns: 200 },
    );
  });

  it('xlsx: a unit name that looks like a formula stays text (no formula, no apostrophe)', async () => {
    const form = timelinessForm(report(['A']), { unit: (id) => (id === 'A' ? '=HYPERLINK("http://x","y")' : 'Tỉnh'), procedure: (c) => c });
    const { sheet, workbook } = await readXlsx(await toXlsx(form, new Date(0)));
    expect(sheet.rows[0]!['Đơn vị']).toBe('=HYPERLINK("http://x","y")');
    expect(workbook.worksheets[0]!.getCell(`B${sheet.titles.length + 4}`).type).toBe(3 /* ValueType.String */);
  });

  it('reads the period as the forms do: days at local midnight (the end exclusive), times otherwise', () => {
    const at = (s: string) => Date.parse(`${s}+07:00`);
    expect(periodLabel(at('2026-01-01T00:00:00'), at('2027-01-01T00:00:00'))).toBe('từ ngày 01/01/2026 đến ngày 31/12/2026');
    expect(periodLabel(at('2026-03-02T00:00:00'), at('2026-03-03T00:00:00'))).toBe('từ ngày 02/03/2026 đến ngày 02/03/2026');
    // 23:30 UTC is already the next day in Viet Nam.
    expect(periodLabel(Date.parse('2026-02-28T23:30:00Z'), at('2026-03-10T14:05:00'))).toBe('từ 06:30 ngày 01/03/2026 đến 14:05 ngày 10/03/2026');
  });
});
