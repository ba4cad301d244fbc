import { describe, expect, it } from '@jest/globals';
import { readCsvRegister, registerInstant, STATUS_WORDS } from '../../src/reconciliation/register.js';
import { normalizeWord } from '../../src/import/import-format.js';

const csv = (...lines: string[]) => Buffer.from(lines.join('\n'));
const HEADER = 'Mã hồ sơ,Trạng thái,Ngày nhận';

describe('a register cell as an instant', () => {
  it('reads dd/MM/yyyy HH:mm[:ss] as local time (+07:00), and a day alone as that local day', () => {
    expect(registerInstant('02/03/2026 09:00')).toEqual({ ms: Date.parse('2026-03-02T09:00:00+07:00'), dateOnly: false });
    expect(registerInstant('2/3/2026 9:05:30')).toEqual({ ms: Date.parse('2026-03-02T09:05:30+07:00'), dateOnly: false });
    expect(registerInstant('01/01/2026 00:30')).toEqual({ ms: Date.parse('2025-12-31T17:30:00Z'), dateOnly: false });
    expect(registerInstant('29/02/2028')).toEqual({ ms: Date.parse('2028-02-29T00:00:00+07:00'), dateOnly: true });
    expect(registerInstant('2026-03-02')).toEqual({ ms: Date.parse('2026-03-02T00:00:00+07:00'), dateOnly: true });
  });

  it('reads ISO 8601 instants with an offset', () => {
    expect(registerInstant('2026-03-02T09:00:00+07:00')).toEqual({ ms: Date.parse('2026-03-02T02:00:00Z'), dateOnly: false });
    expect(registerInstant('2026-03-02T02:00Z')).toEqual({ ms: Date.parse('2026-03-02T02:00:00Z'), dateOnly: false });
  });

  it('says why anything else is no date', () => {
    for (const cell of ['29/02/2026 09:00', '31/04/2026', '02/03/2026 24:00', '02/13/2026', '2026-03-02T09:00:00', '2026-02-30T09:00:00Z', 'hôm qua', '02-03-2026']) {
      expect(registerInstant(cell)).toMatch(/is not a date/);
    }
    expect(registerInstant('01/01/1999 10:00')).toBe('the date must lie between 2000-01-01 and 2100-01-01');
  });
});

describe('the status words', () => {
  it('know Vietnamese words with or without diacritics, and the service statuses', () => {
    const status = (word: string) => STATUS_WORDS.get(normalizeWord(word));
    expect(status('Đang xử lý')).toBe('received');
    expect(status('DANG XU LY')).toBe('received');
    expect(status('chờ bổ sung')).toBe('awaiting_supplement');
    expect(status('awaiting_supplement')).toBe('awaiting_supplement');
    expect(status('Đã giải quyết')).toBe('resolved');
    expect(status('da tra ket qua')).toBe('returned');
    expect(status('Đã rút')).toBe('withdrawn');
    expect(status('đã hủy')).toBeUndefined();
  });
});

describe('a CSV register', () => {
  it('numbers its lines as a spreadsheet shows them, blank lines and quoted line breaks included', () => {
    const plain = readCsvRegister(csv(HEADER, 'A-1,đang xử lý,02/03/2026 09:00', '', 'A-2,sai,02/03/2026 09:00', ''));
    expect(plain.problems).toEqual([{ line: 4, message: expect.stringMatching(/^status "sai"/) }]);
    const quoted = readCsvRegister(csv(`${HEADER},Ghi chú`, 'A-1,đang xử lý,02/03/2026 09:00,"hai', 'dòng"', '', 'A-2,sai,02/03/2026 09:00,'));
    expect(quoted.rows.map((r) => [r.dossierId, r.line])).toEqual([['A-1', 3]]);
    expect(quoted.problems).toEqual([{ line: 5, message: expect.stringMatching(/^status "sai"/) }]);
  });

  it('ignores columns it does not know, and an optional column left out', () => {
    const { rows, problems } = readCsvRegister(csv('\uFEFFSTT\tMa ho so\tTinh trang\tNguoi nhan', '1\tA-1\tĐã rút\tLan'));
    expect(problems).toEqual([]);
    expect(rows).toEqual([{ line: 2, dossierId: 'A-1', status: 'withdrawn' }]);
  });
});
