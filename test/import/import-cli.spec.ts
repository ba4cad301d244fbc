import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createReadStream, rmSync } from 'node:fs';
import { loadConfig } from '../../src/config.js';
import { openImportContext } from '../../src/import/import-context.js';
import { comparable, demoDataDir, fileWith, importCli, ndjson, storedEvents } from './support.js';

const vn = (date: string, time: string) => `${date}T${time}:00+07:00`;
const receive = (dossierId: string, receivedAt: string, extra: Record<string, unknown> = {}) => ({
  command: 'receive', dossierId, procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'online', receivedAt, ...extra,
});

/** A file with good lines and one of each kind of refusal (line numbers in the comments). */
const MIXED = ndjson([
  receive('HS-1', vn('2025-03-03', '09:00')), // 1
  { command: 'transfer', dossierId: 'HS-1', toUnitId: 'SKHDT-DKKD', allottedWorkingHours: 8, occurredAt: vn('2025-03-03', '10:00') }, // 2
  receive('HS-2', vn('2025-03-03', '11:00'), { channel: 'direct', digitized: true }), // 3
  '{"command": "receive", "dossierId": ', // 4: not JSON
  { command: 'stamp', dossierId: 'HS-2', occurredAt: vn('2025-03-03', '12:00') }, // 5: no such command
  { command: 'resolve', dossierId: 'HS-1', outcome: 'approved', occurredAt: vn('2025-03-05', '10:00') }, // 6
  { command: 'transfer', dossierId: 'HS-1', toUnitId: 'TTPVHCC', occurredAt: vn('2025-03-05', '11:00') }, // 7: resolved already
  { command: 'return-result', dossierId: 'HS-1', occurredAt: vn('2025-03-06', '09:00') }, // 8: after a refused line of HS-1
  { command: 'resolve', dossierId: 'HS-2', outcome: 'approved', occurredAt: '2099-01-05T10:00:00+07:00' }, // 9: in the future
  '', // 10: blank
  receive('HS-3', vn('2025-03-04', '08:00')), // 11
  { command: 'withdraw', dossierId: 'HS-3', reason: 'Công dân rút hồ sơ', occurredAt: vn('2025-03-04', '09:00') }, // 12
  { command: 'supplement', dossierId: 'HS-404', occurredAt: vn('2025-03-04', '09:00') }, // 13: unknown dossier
  { command: 'resolve', dossierId: 'HS-3', outcome: 'maybe', occurredAt: vn('2025-03-04', '10:00') }, // 14: bad body
  receive('HS-1999', '1999-12-31T09:00:00+07:00'), // 15: before 2000-01-01
]);

describe('npm run import (DATA_DIR mode)', () => {
  const dirs: string[] = [];
  const dataDir = async () => {
    const dir = await demoDataDir();
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  describe('a file with good and refused lines', () => {
    let dir: string;
    let first: Awaited<ReturnType<typeof importCli>>;
    const file = fileWith('history.ndjson', MIXED);

    beforeAll(async () => {
      dir = await dataDir();
      first = await importCli([file, '--json'], dir);
    });

    it('imports the good lines through the decider and lists each refused line with its number and reason (exit 1)', async () => {
      expect(first.code).toBe(1);
      const summary = JSON.parse(first.stdout);
      expect(summary).toMatchObject({ lines: 14, imported: 6, alreadyImported: 0, dossiers: 3, refused: 8, interrupted: false });
      expect(summary.refusedLines.map((r: { line: number; code: string }) => [r.line, r.code])).toEqual([
        [4, 'INVALID_JSON'],
        [5, 'UNKNOWN_COMMAND'],
        [7, 'ILLEGAL_TRANSITION'],
        [8, 'EARLIER_LINE_REFUSED'],
        [9, 'VALIDATION_FAILED'],
        [13, 'NOT_FOUND'],
        [14, 'VALIDATION_FAILED'],
        [15, 'VALIDATION_FAILED'],
      ]);
      expect(summary.refusedLines[2]).toMatchObject({ dossierId: 'HS-1', command: 'transfer', detail: 'cannot transfer a dossier that is resolved' });
      expect(summary.refusedLines[3].detail).toBe('line 7 of this dossier was refused');
      expect(summary.refusedLines[4].detail).toMatch(/occurredAt is in the future/);
      expect(summary.refusedLines[6].errors).toEqual([expect.objectContaining({ field: 'outcome' })]);
      expect(summary.refusedLines[7].detail).toMatch(/receivedAt must lie between 2000-01-01/);

      const events = await storedEvents(dir);
      expect(events).toHaveLength(6);
      const byStream = (id: string) => events.filter((e) => e.streamId === `dossier-${id}`).map((e) => e.type);
      expect(byStream('HS-1')).toEqual(['DossierReceived', 'DossierTransferred', 'DossierResolved']);
      expect(byStream('HS-2')).toEqual(['DossierReceived']);
      expect(byStream('HS-3')).toEqual(['DossierReceived', 'DossierWithdrawn']);
      // Deadlines as over HTTP: 3 working days from Monday 09:00; the step's 8 working hours from 10:00.
      const received = events.find((e) => e.streamId === 'dossier-HS-1' && e.type === 'DossierReceived')!;
      expect(received.data).toMatchObject({ clockStartAt: '2025-03-03T02:00:00.000Z', dueAt: '2025-03-06T02:00:00.000Z', channel: 'online', digitized: false });
      const transferred = events.find((e) => e.type === 'DossierTransferred')!;
      expect(transferred.data).toMatchObject({ toUnitId: 'SKHDT-DKKD', allottedWorkingHours: 8, stepDueAt: '2025-03-04T03:00:00.000Z' });
      expect(received.metadata).toMatchObject({ actor: 'import', occurredAt: '2025-03-03T02:00:00.000Z' });
      expect(String(received.metadata.correlationId)).toMatch(/^import-/);
    });

    it('appends nothing when the same file runs again, and says so', async () => {
      const before = await storedEvents(dir);
      const again = await importCli([file, '--json'], dir);
      expect(again.code).toBe(1); // the refused lines are refused again
      const summary = JSON.parse(again.stdout);
      expect(summary).toMatchObject({ imported: 0, alreadyImported: 6, dossiers: 0, refused: 8 });
      const after = await storedEvents(dir);
      expect(after.map((e) => e.id)).toEqual(before.map((e) => e.id));
    });

    it('prints a readable summary without --json', async () => {
      const again = await importCli([file], dir);
      expect(again.stdout).toContain('Read 14 lines');
      expect(again.stdout).toContain('line 7 HS-1 transfer: ILLEGAL_TRANSITION cannot transfer a dossier that is resolved');
      expect(again.stderr).toBe(''); // no progress bar off a terminal
    });
  });

  it('exit 0 when every line is imported; the same commands spelled otherwise (Z instead of +07:00) are the same lines', async () => {
    const dir = await dataDir();
    const lines = [receive('HS-A', vn('2025-04-01', '09:00')), { command: 'resolve', dossierId: 'HS-A', outcome: 'refused', occurredAt: vn('2025-04-02', '09:00') }];
    expect((await importCli([fileWith('a.ndjson', ndjson(lines))], dir)).code).toBe(0);
    const respelled = [receive('HS-A', '2025-04-01T02:00:00Z'), { occurredAt: '2025-04-02T02:00:00.000Z', outcome: 'refused', dossierId: 'HS-A', command: 'resolve' }];
    const run = await importCli([fileWith('b.jsonl', ndjson(respelled)), '--json'], dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ imported: 0, alreadyImported: 2 });
    expect(await storedEvents(dir)).toHaveLength(2);
  });

  it('takes CSV with Vietnamese headers, words and dates, as the same commands as NDJSON', async () => {
    const csv = [
      'Mã hồ sơ;Thao tác;Mã thủ tục;Đơn vị tiếp nhận;Kênh;Thời điểm;Đơn vị chuyển đến;Kết quả;Lý do;Ghi chú',
      'HS-C1;Tiếp nhận;HT-KHAISINH;HUYEN-AN.XA1;Trực tiếp;03/03/2025 09:00;;;;',
      'HS-C1;Chuyển xử lý;;;;03/03/2025 10:00;HUYEN-AN.BPMC;;;',
      'HS-C1;Giải quyết;;;;04/03/2025 09:00;;Chấp thuận;;đúng hạn',
      'HS-C2;tiếp nhận;HT-KHAISINH;HUYEN-AN.XA1;trực tuyến;2025-03-03T14:00:00+07:00;;;;',
      'HS-C2;rút hồ sơ;;;;03/03/2025 15:00;;;"Công dân rút; không bổ sung";',
      'HS-C2;xin lỗi;;;;03/03/2025 16:00;;;;',
    ].join('\r\n');
    const same = [
      { command: 'receive', dossierId: 'HS-C1', procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-AN.XA1', channel: 'direct', receivedAt: vn('2025-03-03', '09:00') },
      { command: 'transfer', dossierId: 'HS-C1', toUnitId: 'HUYEN-AN.BPMC', occurredAt: vn('2025-03-03', '10:00') },
      { command: 'resolve', dossierId: 'HS-C1', outcome: 'approved', occurredAt: vn('2025-03-04', '09:00') },
      { command: 'receive', dossierId: 'HS-C2', procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-AN.XA1', channel: 'online', receivedAt: vn('2025-03-03', '14:00') },
      { command: 'withdraw', dossierId: 'HS-C2', reason: 'Công dân rút; không bổ sung', occurredAt: vn('2025-03-03', '15:00') },
    ];
    const fromCsv = await dataDir();
    const run = await importCli([fileWith('so-tiep-nhan.csv', csv), '--json'], fromCsv);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ lines: 6, imported: 5, dossiers: 2, refused: 1 });
    // Line 7: an apology needs its reason, new appointment and responsible unit (checked by the route's DTO).
    expect(summary.refusedLines).toEqual([expect.objectContaining({ line: 7, dossierId: 'HS-C2', command: 'apologize', code: 'VALIDATION_FAILED' })]);

    const fromNdjson = await dataDir();
    expect((await importCli([fileWith('same.ndjson', ndjson(same))], fromNdjson)).code).toBe(0);
    expect(comparable(await storedEvents(fromCsv))).toEqual(comparable(await storedEvents(fromNdjson)));
    // The same commands: the NDJSON file adds nothing to the directory the CSV went into.
    const again = await importCli([fileWith('same.ndjson', ndjson(same)), '--json'], fromCsv);
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, alreadyImported: 5 });
  });

  it('maps columns it does not know with --columns', async () => {
    const dir = await dataDir();
    const csv = 'Số biên nhận,Loại,Mã thủ tục,Mã đơn vị,Kênh,Ngày tiếp nhận\nBN-1,receive,HT-KHAISINH,HUYEN-AN.XA1,online,2025-03-03T09:00:00+07:00\n';
    const file = fileWith('register.csv', csv);
    const without = await importCli([file], dir);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/no command column/);
    const run = await importCli([file, '--columns', 'Số biên nhận=dossierId,Loại=command', '--json'], dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ imported: 1, dossiers: 1 });
  });

  it('goes on after a run stopped half-way, and ends with the same history as one whole run', async () => {
    const lines: unknown[] = [];
    for (let i = 1; i <= 200; i++) {
      const id = `HS-R${i}`;
      const day = `2025-03-${String(3 + (i % 4)).padStart(2, '0')}`;
      lines.push(receive(id, vn(day, '08:30')));
      lines.push({ command: 'transfer', dossierId: id, toUnitId: 'SKHDT-DKKD', occurredAt: vn(day, '09:00') });
      lines.push({ command: 'resolve', dossierId: id, outcome: 'approved', occurredAt: vn(day, '10:00') });
      lines.push({ command: 'return-result', dossierId: id, occurredAt: vn(day, '11:00') });
    }
    const file = fileWith('big.ndjson', ndjson(lines));
    const whole = await dataDir();
    expect((await importCli([file], whole)).code).toBe(0);

    // A run stopped at its first progress report (line 500): the lines under way finish, no more start.
    const resumed = await dataDir();
    const context = await openImportContext(loadConfig({ DATA_DIR: resumed, LOG_LEVEL: 'silent' }));
    const stop = new AbortController();
    let partial;
    try {
      partial = await context.importer.run(createReadStream(file), {
        principal: { name: 'import', role: 'integrator' },
        correlationId: 'import-test',
        concurrency: 8,
        signal: stop.signal,
        onProgress: () => stop.abort(),
      });
    } finally {
      await context.close();
    }
    expect(partial.interrupted).toBe(true);
    expect(partial.imported).toBeGreaterThan(0);
    expect(partial.imported).toBeLessThan(800);
    const rest = await importCli([file, '--json'], resumed);
    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ imported: 800 - partial.imported, alreadyImported: partial.imported, refused: 0 });
    expect(comparable(await storedEvents(resumed))).toEqual(comparable(await storedEvents(whole)));

    // A crash can leave a dossier half done too: a run of the file's first 401 lines, then the whole file.
    const cut = await dataDir();
    expect((await importCli([fileWith('cut.ndjson', ndjson(lines.slice(0, 401)))], cut)).code).toBe(0);
    const after = await importCli([file, '--json'], cut);
    expect(JSON.parse(after.stdout)).toMatchObject({ imported: 399, alreadyImported: 401 });
    expect(comparable(await storedEvents(cut))).toEqual(comparable(await storedEvents(whole)));
  });

  it('shows a progress bar with rate and ETA on a terminal', async () => {
    const dir = await dataDir();
    const lines = Array.from({ length: 600 }, (_, i) => receive(`HS-P${i}`, vn('2025-03-03', '09:00')));
    const run = await importCli([fileWith('many.ndjson', ndjson(lines))], dir, undefined, true);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/importing \|.*\| 100% \| 600 lines \| [\d,]+ lines\/s \| 0 refused \| ETA/);
    expect(run.stdout).toContain('600 commands imported (600 new dossiers');
  });

  describe('bad usage and unreadable files (exit 2, nothing imported)', () => {
    it.each([
      ['no file', [], /give one file/],
      ['a missing file', ['/nonexistent/history.ndjson'], /cannot read/],
      ['an unknown format', ['x.ndjson', '--format', 'xml'], /--format is ndjson or csv/],
      ['--key without --url', ['x.ndjson', '--key', 'k'], /--key goes with --url/],
    ])('%s', async (_name, args, message) => {
      const run = await importCli(args as string[], '/nonexistent-data-dir');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message as RegExp);
    });

    it('an empty file, a file that is no NDJSON, a data directory without a store', async () => {
      const dir = await dataDir();
      const empty = await importCli([fileWith('empty.ndjson', '\n\n')], dir);
      expect([empty.code, empty.stderr]).toEqual([2, expect.stringMatching(/the file is empty/)]);
      const garbage = await importCli([fileWith('history.ndjson', 'hello\n{}\n')], dir);
      expect([garbage.code, garbage.stderr]).toEqual([2, expect.stringMatching(/not NDJSON: line 1/)]);
      const nowhere = await importCli([fileWith('a.ndjson', ndjson([receive('X', vn('2025-01-02', '09:00'))]))], `${dir}-typo`);
      expect([nowhere.code, nowhere.stderr]).toEqual([2, expect.stringMatching(/holds no event store/)]);
      expect(await storedEvents(dir)).toEqual([]);
    });
  });
});
