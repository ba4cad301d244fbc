import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CatalogService } from '../../src/catalog/catalog.service.js';
import type { StepRow, TimelinessRow } from '../../src/projections/report-index/timeliness-report.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { binary, type FormSheet, ii06a, readCsv, readXlsx } from './support/form-sheet.js';
import { command, local, q } from './support/scenario.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const ZERO: Omit<TimelinessRow, 'key'> = {
  carriedOver: 0,
  received: { total: 0, online: 0, direct: 0, postal: 0 },
  resolved: { total: 0, early: 0, onTime: 0, late: 0, lateWithApology: 0, lateWithoutApology: 0 },
  withdrawn: 0,
  inProgress: { total: 0, withinDue: 0, overdue: 0, awaitingSupplement: 0 },
  onTimeRate: null,
};
const II06A_HEADINGS = ['STT', 'Đơn vị', ...Object.keys(ii06a(ZERO)), 'Mã'];

const steps = (r: StepRow) => ({
  'Số bước đã kết thúc trong kỳ / Tổng số': r.ended.total,
  'Số bước đã kết thúc trong kỳ / Có thời hạn': r.ended.withAllotment,
  'Số bước đã kết thúc trong kỳ / Đúng hạn': r.ended.onTime,
  'Số bước đã kết thúc trong kỳ / Quá hạn': r.ended.late,
  'Số bước đang xử lý / Tổng số': r.open.total,
  'Số bước đang xử lý / Có thời hạn': r.open.withAllotment,
  'Số bước đang xử lý / Quá hạn': r.open.overrunning,
  'Hồ sơ trễ hạn do đơn vị chịu trách nhiệm': r.responsibleForLate,
});

/** The sheet's rows, the total last, as the JSON rows would show them. */
function expectRows(sheet: FormSheet, json: { key: string }[], shown: (r: never) => Record<string, number>, label: (key: string) => string, labelHeading: string, total: Record<string, number>) {
  expect(sheet.rows).toHaveLength(json.length + 1);
  json.forEach((r, i) => expect(sheet.rows[i]).toEqual({ STT: i + 1, [labelHeading]: label(r.key), Mã: r.key, ...shown(r as never) }));
  expect(sheet.rows[json.length]).toEqual({ STT: '', [labelHeading]: 'Tổng cộng', Mã: '', ...total });
}

/** The column-wise sum of some rows, as the form shows them. */
const sum = (rows: Record<string, number>[]) =>
  Object.fromEntries(Object.keys(rows[0]!).map((k) => [k, rows.reduce((acc, r) => acc + r[k]!, 0)]));

describe('report exports (Form II.06a as xlsx and csv) over HTTP', () => {
  let t: TestApp;
  let last = 0;
  let unitName: (id: string) => string;
  const period = { from: local('2026-01-01T00:00:00'), to: local('2026-04-01T00:00:00') };

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { extraKeys: [{ key: 'district-an-supervisor', role: 'supervisor', units: ['HUYEN-AN'] }] });
    const catalog = t.app.get(CatalogService);
    unitName = (id) => catalog.requireUnit(id).name;
    const run = async (path: string, body: Record<string, unknown>) => (last = (await command(t, path, body)).position);
    const receive = (dossierId: string, unitId: string, receivedAt: string, procedureCode = 'HT-KHAISINH', channel = 'online') =>
      run('/dossiers', { dossierId, procedureCode, unitId, channel, receivedAt: local(receivedAt) });
    // Carried over from 2025 and resolved late; early; late at the land office; awaiting; withdrawn; overdue.
    await receive('E-6', 'HUYEN-AN.XA1', '2025-12-29T09:00:00', 'HT-XNTTHN', 'direct');
    await run('/dossiers/E-6/resolve', { outcome: 'approved', occurredAt: local('2026-01-20T10:00:00') });
    await receive('E-8', 'HUYEN-AN.XA2', '2025-12-30T09:00:00', 'HT-KHAISINH', 'postal');
    await receive('E-1', 'HUYEN-AN.XA1', '2026-03-02T09:00:00');
    await run('/dossiers/E-1/resolve', { outcome: 'approved', occurredAt: local('2026-03-02T15:00:00') });
    await receive('E-2', 'HUYEN-AN.BPMC', '2026-03-02T09:00:00', 'HT-XNTTHN', 'direct');
    await run('/dossiers/E-2/transfer', { toUnitId: 'HUYEN-AN.VPDKDD', allottedWorkingHours: 4, occurredAt: local('2026-03-02T10:00:00') });
    await run('/dossiers/E-2/transfer', { toUnitId: 'HUYEN-AN.BPMC', occurredAt: local('2026-03-05T09:00:00') });
    await run('/dossiers/E-2/resolve', { outcome: 'refused', occurredAt: local('2026-03-09T10:00:00') });
    await receive('E-3', 'TTPVHCC', '2026-03-02T10:00:00', 'HT-XNTTHN', 'postal');
    await run('/dossiers/E-3/request-supplement', { reason: 'missing page', occurredAt: local('2026-03-02T11:00:00') });
    await receive('E-4', 'STP-HCTP', '2026-03-02T09:30:00');
    await run('/dossiers/E-4/withdraw', { reason: 'moved away', occurredAt: local('2026-03-03T09:00:00') });
    await receive('E-5', 'HUYEN-AN.XA2', '2026-01-05T09:00:00');
    await receive('E-7', 'HUYEN-AN.XA2', '2026-03-30T09:00:00', 'HT-KHAISINH', 'postal');
  });
  afterAll(() => t.close({ remove: true }));

  const get = (path: string, params: Record<string, string | number>, who: Parameters<TestApp['as']>[0] = 'supervisor') =>
    t.as(who).get(`${path}${q({ ...period, minPosition: last, ...params })}`);

  it('xlsx: the province by child unit, the same numbers as the JSON report, the total as the whole province, titled with unit and period', async () => {
    const json = await get('/units/PROVINCE/timeliness', { groupBy: 'child' }).expect(200);
    const whole = await get('/units/PROVINCE/timeliness', {}).expect(200);
    const res = await get('/units/PROVINCE/timeliness', { groupBy: 'child', format: 'xlsx' }).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe(XLSX);
    expect(res.headers['content-disposition']).toBe('attachment; filename="II06a_PROVINCE_2026-01-01_2026-03-31.xlsx"');
    expect(res.headers.vary).toMatch(/accept/i);
    const { sheet, workbook } = await readXlsx(res.body);
    expect(workbook.worksheets[0]!.name).toBe('II.06a');
    expect(sheet.headings).toEqual(II06A_HEADINGS);
    expect(sheet.titles).toEqual(
      expect.arrayContaining([
        'BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH',
        `Đơn vị: ${unitName('PROVINCE')} (PROVINCE), gồm các đơn vị trực thuộc`,
        'Kỳ báo cáo: từ ngày 01/01/2026 đến ngày 31/03/2026',
        'Số liệu tính đến hết ngày 31/03/2026 (giờ Việt Nam, UTC+7)',
      ]),
    );
    const rows = json.body.rows as TimelinessRow[];
    expect(rows.map((r) => r.key)).toEqual(expect.arrayContaining(['HUYEN-AN', 'TTPVHCC', 'STP']));
    expectRows(sheet, rows, ii06a, unitName, 'Đơn vị', ii06a(whole.body.rows[0]));
    // Not zeros: the scenario fills the columns that carry the most meaning.
    const total = sheet.rows.at(-1)!;
    expect(total['Số hồ sơ nhận giải quyết / Kỳ trước chuyển qua']).toBe(2);
    expect(total['Số hồ sơ đang giải quyết / Quá hạn']).toBeGreaterThan(0);
    expect(total['Số hồ sơ đã rút (ngoài mẫu)']).toBe(1);
  });

  it('csv: RFC 4180 with a UTF-8 BOM, the same layout and numbers; Accept: text/csv chooses it too', async () => {
    const json = await get('/units/HUYEN-AN/timeliness', { groupBy: 'child' }).expect(200);
    const byFormat = await get('/units/HUYEN-AN/timeliness', { groupBy: 'child', format: 'csv' }).buffer(true).parse(binary).expect(200);
    const byAccept = await get('/units/HUYEN-AN/timeliness', { groupBy: 'child' }).set('Accept', 'text/csv').buffer(true).parse(binary).expect(200);
    for (const res of [byFormat, byAccept]) {
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="II06a_HUYEN-AN_2026-01-01_2026-03-31.csv"');
      const text = (res.body as Buffer).toString('utf8');
      const sheet = readCsv(text);
      expect(sheet.headings).toEqual(II06A_HEADINGS);
      expect(sheet.titles).toEqual(expect.arrayContaining([`Đơn vị: ${unitName('HUYEN-AN')} (HUYEN-AN), gồm các đơn vị trực thuộc`, 'Kỳ báo cáo: từ ngày 01/01/2026 đến ngày 31/03/2026']));
      const rows = json.body.rows as TimelinessRow[];
      expect(rows.length).toBeGreaterThanOrEqual(4);
      expectRows(sheet, rows, ii06a, unitName, 'Đơn vị', sum(rows.map(ii06a)));
    }
    expect(byAccept.body).toEqual(byFormat.body);
  });

  it('format wins over Accept; Accept for JSON, for anything else, or none answers JSON; the xlsx media type chooses the workbook', async () => {
    const json = (await get('/units/HUYEN-AN/timeliness', {}).expect(200)).body;
    for (const [params, accept] of [[{ format: 'json' }, 'text/csv'], [{}, 'application/json'], [{}, 'text/html'], [{}, undefined]] as const) {
      const request = get('/units/HUYEN-AN/timeliness', params);
      const res = await (accept === undefined ? request : request.set('Accept', accept)).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual(json);
    }
    const csv = await get('/units/HUYEN-AN/timeliness', { format: 'csv' }).set('Accept', XLSX).buffer(true).parse(binary).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const xlsx = await get('/units/HUYEN-AN/timeliness', {}).set('Accept', XLSX).buffer(true).parse(binary).expect(200);
    expect(xlsx.headers['content-type']).toBe(XLSX);
    expect((await readXlsx(xlsx.body)).sheet.rows.at(-1)).toMatchObject(ii06a(json.rows[0]));
  });

  it('by procedure: a row per procedure named from the catalog; as of an instant (auditor): the as-of line in the title', async () => {
    const catalog = t.app.get(CatalogService);
    const json = await get('/units/PROVINCE/timeliness', { groupBy: 'procedure' }).expect(200);
    const res = await get('/units/PROVINCE/timeliness', { groupBy: 'procedure', format: 'xlsx' }).buffer(true).parse(binary).expect(200);
    const { sheet } = await readXlsx(res.body);
    expect(sheet.headings[1]).toBe('Thủ tục hành chính');
    const rows = json.body.rows as TimelinessRow[];
    expect(rows.map((r) => r.key)).toEqual(['HT-KHAISINH', 'HT-XNTTHN']);
    expectRows(sheet, rows, ii06a, (code) => catalog.getProcedure(code)!.name, 'Thủ tục hành chính', sum(rows.map(ii06a)));

    const asOf = new Date().toISOString();
    const audited = await get('/units/PROVINCE/timeliness', { groupBy: 'child', asOf, format: 'csv' }, 'auditor').buffer(true).parse(binary).expect(200);
    const auditedJson = await get('/units/PROVINCE/timeliness', { groupBy: 'child', asOf }, 'auditor').expect(200);
    const sheetAsOf = readCsv(audited.body.toString('utf8'));
    expect(sheetAsOf.titles.some((l) => l.startsWith('Theo dữ liệu đã ghi nhận đến ') && l.endsWith(`(asOf ${auditedJson.body.asOf})`))).toBe(true);
    expectRows(sheetAsOf, auditedJson.body.rows, ii06a, unitName, 'Đơn vị', sum(auditedJson.body.rows.map(ii06a)));
    // asOf stays the auditors': a supervisor's export is refused as the JSON is.
    const refused = await get('/units/PROVINCE/timeliness', { asOf, format: 'xlsx' });
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('the step report: xlsx and csv with its own headings, the same numbers as its JSON', async () => {
    const json = await get('/units/HUYEN-AN/steps', {}).expect(200);
    const rows = json.body.rows as StepRow[];
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const asRows = rows.map((r) => ({ ...r, key: r.unitId }));
    const xlsx = await get('/units/HUYEN-AN/steps', { format: 'xlsx' }).buffer(true).parse(binary).expect(200);
    expect(xlsx.headers['content-disposition']).toBe('attachment; filename="Buoc_HUYEN-AN_2026-01-01_2026-03-31.xlsx"');
    const csv = await get('/units/HUYEN-AN/steps', {}).set('Accept', 'text/csv').buffer(true).parse(binary).expect(200);
    for (const sheet of [(await readXlsx(xlsx.body)).sheet, readCsv(csv.body.toString('utf8'))]) {
      expect(sheet.headings).toEqual(['STT', 'Đơn vị xử lý', ...Object.keys(steps(rows[0]!)), 'Mã']);
      expect(sheet.titles).toEqual(expect.arrayContaining([`Hồ sơ tiếp nhận tại: ${unitName('HUYEN-AN')} (HUYEN-AN), gồm các đơn vị trực thuộc`, 'Kỳ báo cáo: từ ngày 01/01/2026 đến ngày 31/03/2026']));
      expectRows(sheet, asRows, (r: StepRow) => steps(r), unitName, 'Đơn vị xử lý', sum(rows.map(steps)));
    }
  });

  it('a period not at midnight reads with its times; an unknown or repeated format, a bad period or unit stay problem+json 4xx', async () => {
    const res = await get('/units/HUYEN-AN/timeliness', { from: local('2026-03-02T08:30:00'), to: local('2026-03-02T17:45:10'), format: 'csv' }).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="II06a_HUYEN-AN_2026-03-02_2026-03-02.csv"');
    expect(readCsv(res.body.toString('utf8')).titles).toContain('Kỳ báo cáo: từ 08:30 ngày 02/03/2026 đến 17:45:10 ngày 02/03/2026');

    for (const [path, status, code] of [
      ['/units/HUYEN-AN/timeliness?format=pdf', 400, 'VALIDATION_FAILED'],
      ['/units/HUYEN-AN/steps?format=XLSX', 400, 'VALIDATION_FAILED'],
      ['/units/HUYEN-AN/timeliness?format=csv&format=xlsx', 400, 'VALIDATION_FAILED'],
      ['/units/HUYEN-AN/timeliness?format=xlsx&from=2026-03-01', 400, 'VALIDATION_FAILED'],
      ['/units/NO-SUCH/timeliness?format=xlsx', 404, 'NOT_FOUND'],
    ] as const) {
      const bad = await t.as('supervisor').get(path).set('Accept', 'text/csv');
      expect({ path, status: bad.status, code: bad.body.code }).toEqual({ path, status, code });
      expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(bad.headers['content-disposition']).toBeUndefined();
    }
    const unknown = await t.as('supervisor').get('/units/HUYEN-AN/timeliness?format=pdf');
    expect(unknown.body.errors).toEqual([{ field: 'format', message: 'format must be one of json, csv, xlsx' }]);
    // A district's key exports its own subtree only.
    const district = { key: 'district-an-supervisor' };
    expect((await t.as(district).get('/units/PROVINCE/timeliness?format=xlsx')).status).toBe(403);
    expect((await t.as(district).get('/units/HUYEN-AN/timeliness?format=xlsx')).status).toBe(200);
  });

  it('the OpenAPI document names the format option and the three media types of both reports', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body;
    for (const path of ['/units/{unitId}/timeliness', '/units/{unitId}/steps']) {
      const op = doc.paths[path].get;
      expect(op.parameters.find((p: { name: string }) => p.name === 'format').schema.enum).toEqual(['json', 'csv', 'xlsx']);
      const content = op.responses['200'].content;
      expect(Object.keys(content).sort()).toEqual(['application/json', XLSX, 'text/csv'].sort());
      expect(content['application/json'].example.rows.length).toBeGreaterThan(0);
      const example = readCsv(content['text/csv'].example);
      expect(example.rows.at(-1)).toMatchObject({ STT: '', Mã: '' });
    }
  });
});
