import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { columnFields, ImportFileError, LineRefusal, normalizeWord, parseColumnMapping, recordFromJson, recordFromRow } from '../../src/import/import-format.js';
import { readImportLines, type SourceLine } from '../../src/import/import-reader.js';

const read = async (text: string, chunk = 7): Promise<SourceLine[]> => {
  // Small chunks: lines and multi-byte characters cut across chunk boundaries.
  const bytes = Buffer.from(text);
  const chunks = Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk));
  const out: SourceLine[] = [];
  for await (const line of readImportLines(Readable.from(chunks))) out.push(line);
  return out;
};

describe('import file format', () => {
  it('compares names without case, diacritics or punctuation', () => {
    expect(normalizeWord('Mã hồ sơ')).toBe('ma ho so');
    expect(normalizeWord('  ĐƠN VỊ_chuyển-đến ')).toBe('don vi chuyen den');
  });

  it('maps header names, English or Vietnamese, and custom ones', () => {
    expect(columnFields(['Mã hồ sơ', 'THAO TAC', 'occurredAt', 'Ghi chú'])).toEqual(['dossierId', 'command', 'occurredAt', undefined]);
    expect(columnFields(['Số biên nhận', 'Loại'], parseColumnMapping('Số biên nhận=dossierId, Loại=command'))).toEqual(['dossierId', 'command']);
    expect(() => columnFields(['dossierId', 'lệnh', 'Mã HS'])).toThrow(/two columns for dossierId/);
    expect(() => columnFields(['dossierId', 'command'], { x: 'colour' })).toThrow(ImportFileError);
    expect(() => parseColumnMapping('nonsense')).toThrow(/column=field/);
  });

  it('translates CSV cells: words, yes/no, decimal commas, Vietnamese dates in local time', () => {
    expect(recordFromRow({ command: 'Tiếp nhận', dossierId: ' HS-1 ', procedureCode: 'P', unitId: 'U', channel: 'Bưu điện', occurredAt: '3/3/2025 8:05', digitized: 'có' })).toEqual({
      kind: 'receive',
      dossierId: 'HS-1',
      body: { dossierId: 'HS-1', procedureCode: 'P', unitId: 'U', channel: 'postal', receivedAt: '2025-03-03T08:05:00+07:00', digitized: true },
    });
    expect(recordFromRow({ command: 'chuyển', dossierId: 'HS-1', toUnitId: 'V', allottedWorkingHours: '1,5', occurredAt: '2025-03-03T09:00:00Z' }).body).toEqual({ toUnitId: 'V', allottedWorkingHours: 1.5, occurredAt: '2025-03-03T09:00:00Z' });
    // A cell the import does not understand is passed on as written, for the route's checks to refuse.
    expect(recordFromRow({ command: 'giải quyết', dossierId: 'HS-1', outcome: 'có lẽ', resultDigitized: 'hmm', allottedWorkingHours: 'ten' }).body).toEqual({ outcome: 'có lẽ', resultDigitized: 'hmm', allottedWorkingHours: 'ten' });
  });

  it('refuses lines that are no command', () => {
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as LineRefusal).code;
      }
      return 'accepted';
    };
    expect(refusal(() => recordFromJson([1, 2]))).toBe('INVALID_JSON');
    expect(refusal(() => recordFromJson({ dossierId: 'HS-1' }))).toBe('UNKNOWN_COMMAND');
    expect(refusal(() => recordFromJson({ command: 'resolve', dossierId: 7 }))).toBe('VALIDATION_FAILED');
    expect(recordFromJson({ command: 'requestSupplement', dossierId: 'HS-1', reason: 'r' })).toEqual({ kind: 'request-supplement', dossierId: 'HS-1', body: { reason: 'r' } });
  });

  it('reads NDJSON in any chunking, with CRLF, a BOM and no newline at the end', async () => {
    const lines = await read('\uFEFF{"command":"supplement","dossierId":"Hồ-1"}\r\n\r\n{"command":"supplement","dossierId":"B"}');
    expect(lines.map((l) => [l.line, l.record?.dossierId])).toEqual([[1, 'Hồ-1'], [3, 'B']]);
    expect(lines[1].bytes).toBe(Buffer.byteLength('\uFEFF{"command":"supplement","dossierId":"Hồ-1"}\r\n\r\n{"command":"supplement","dossierId":"B"}') + 1);
  });

  it('reads CSV with quoted cells across lines, refuses rows with cells beyond the header, stops at a broken quote', async () => {
    const csv = 'dossierId;command;reason;occurredAt\nA;rút hồ sơ;"Công dân\nđổi ý; rút";2025-03-03T09:00:00Z\nB;supplement;;2025-03-03T09:00:00Z;extra\nC;supplement;;x;\nD;withdraw;"broken;x\nE;supplement;;y\n';
    const lines = await read(csv);
    expect(lines[0]).toMatchObject({ line: 3, record: { kind: 'withdraw', dossierId: 'A', body: { reason: 'Công dân\nđổi ý; rút' } } });
    expect(lines[1]).toMatchObject({ line: 4, refusal: { code: 'VALIDATION_FAILED', detail: 'the row has 5 cells and the header 4' } });
    expect(lines[2]).toMatchObject({ line: 5, record: { dossierId: 'C' } }); // an empty cell beyond the header is no cell
    expect(lines[3].refusal?.detail).toMatch(/cannot be read from here on/);
    expect(lines).toHaveLength(4);
  });
});
