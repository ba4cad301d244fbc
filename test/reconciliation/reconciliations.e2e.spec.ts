import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { FakeClock } from '../support/fake-clock.js';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';
import { command, local } from '../supervision/support/scenario.js';

/**
 * A commune's register against the system, through the real stack. The commune HUYEN-AN.XA1 of
 * the demo province received, in March 2026 (local time):
 *   R-1  02/03 09:00, resolved 03/03 15:30, returned 04/03 08:15 (the register agrees)
 *   R-2  02/03 10:20, still open                                  (the register says resolved)
 *   R-3  02/03 14:05:40, resolved 05/03 16:00                     (the register writes 16:10)
 *   R-4  03/03 08:00, open                                        (not in the register)
 *   R-5  20/02 08:00, open                                        (before the register's span)
 *   R-7  03/03 09:00, withdrawn 03/03 11:00                       (the register agrees)
 * and its neighbour HUYEN-AN.XA2 received R-6, which the register lists too; R-9 exists nowhere.
 */
const UNIT = 'HUYEN-AN.XA1';
const KEYS = [
  { key: 'district-an-supervisor', role: 'supervisor' as const, units: ['HUYEN-AN'], name: 'district-an' },
  { key: 'district-binh-supervisor', role: 'supervisor' as const, units: ['HUYEN-BINH'], name: 'district-binh' },
];

const VI_HEADER = 'Mã hồ sơ,Trạng thái,Ngày nhận,Ngày giải quyết,Ngày trả kết quả';
const VI_ROWS = [
  'R-1,Đã trả kết quả,02/03/2026 09:00,03/03/2026 15:30,04/03/2026 08:15',
  'R-2,Đã giải quyết,02/03/2026 10:20,,',
  'R-3,Đã giải quyết,02/03/2026 14:05,05/03/2026 16:10,',
  'R-6,Đang xử lý,02/03/2026 11:00,,',
  'R-7,Đã rút,03/03/2026 09:00,,',
  'R-9,Đang xử lý,03/03/2026 10:00,,',
];
const VI_REGISTER = [VI_HEADER, ...VI_ROWS].join('\n') + '\n';
/** The same register as an English spreadsheet saved with `;` and ISO 8601 instants. */
const EN_REGISTER = [
  'dossierId;status;receivedAt;resolvedAt;returnedAt',
  'R-1;returned;2026-03-02T09:00:00+07:00;2026-03-03T08:30:00Z;2026-03-04T08:15+07:00',
  'R-2;resolved;2026-03-02T10:20:00+07:00;;',
  'R-3;resolved;2026-03-02T14:05:00+07:00;2026-03-05T16:10:00+07:00;',
  'R-6;processing;2026-03-02T11:00:00+07:00;;',
  'R-7;withdrawn;2026-03-03T09:00:00+07:00;;',
  'R-9;processing;2026-03-03T10:00:00+07:00;;',
].join('\r\n');
const JSON_REGISTER = [
  { dossierId: 'R-1', status: 'returned', receivedAt: local('2026-03-02T09:00:00'), resolvedAt: local('2026-03-03T15:30:00'), returnedAt: local('2026-03-04T08:15:00') },
  { dossierId: 'R-2', status: 'đã giải quyết', receivedAt: local('2026-03-02T10:20:00') },
  { dossierId: 'R-3', status: 'resolved', receivedAt: local('2026-03-02T14:05:00'), resolvedAt: '05/03/2026 16:10' },
  { dossierId: 'R-6', status: 'received', receivedAt: local('2026-03-02T11:00:00') },
  { dossierId: 'R-7', status: 'withdrawn', receivedAt: local('2026-03-03T09:00:00') },
  { dossierId: 'R-9', status: 'received', receivedAt: local('2026-03-03T10:00:00') },
];

const utc = (localInstant: string) => new Date(local(localInstant)).toISOString();
/** What each of the three registers above must find. */
const EXPECTED_DIFFERENCES = [
  { dossierId: 'R-2', kind: 'status', line: 3, register: 'resolved', system: 'received' },
  { dossierId: 'R-3', kind: 'instant', line: 4, field: 'resolvedAt', register: utc('2026-03-05T16:10:00'), system: utc('2026-03-05T16:00:00'), minutes: -10 },
  { dossierId: 'R-6', kind: 'missing_in_system', line: 5, register: { status: 'received', receivedAt: utc('2026-03-02T11:00:00') }, system: null },
  { dossierId: 'R-9', kind: 'missing_in_system', line: 7, register: { status: 'received', receivedAt: utc('2026-03-03T10:00:00') }, system: null },
  { dossierId: 'R-4', kind: 'missing_in_register', register: null, system: { status: 'received', receivedAt: utc('2026-03-03T08:00:00'), resolvedAt: null, returnedAt: null } },
];
const EXPECTED_COUNTS = { registerRows: 6, systemDossiers: 5, matched: 4, missingInSystem: 2, missingInRegister: 1, status: 1, instant: 1, differences: 5 };

describe('POST /units/{unitId}/reconciliations', () => {
  let t: TestApp;
  let position = 0;
  const clock = new FakeClock(local('2026-03-10T10:00:00'));
  const csv = (body: string, who: Parameters<typeof auth>[0] = 'supervisor', query = '', unit = UNIT) =>
    t.http.post(`/units/${unit}/reconciliations?minPosition=${position}${query}`).set(auth(who)).set('content-type', 'text/csv; charset=utf-8').send(body);
  const count = async () => (await t.as('auditor').get(`/units/${UNIT}/reconciliations?limit=100`)).body.items.length as number;

  beforeAll(async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' }, undefined, { clock, extraKeys: KEYS });
    const run = async (path: string, body: Record<string, unknown>) => (position = (await command(t, path, body)).position);
    const receive = (dossierId: string, receivedAt: string, unitId = UNIT) =>
      run('/dossiers', { dossierId, procedureCode: 'HT-KHAISINH', unitId, channel: 'direct', receivedAt: local(receivedAt) });
    await receive('R-1', '2026-03-02T09:00:00');
    await run('/dossiers/R-1/resolve', { outcome: 'approved', occurredAt: local('2026-03-03T15:30:00') });
    await run('/dossiers/R-1/return-result', { occurredAt: local('2026-03-04T08:15:00') });
    await receive('R-2', '2026-03-02T10:20:00');
    await receive('R-3', '2026-03-02T14:05:40');
    await run('/dossiers/R-3/resolve', { outcome: 'approved', occurredAt: local('2026-03-05T16:00:00') });
    await receive('R-4', '2026-03-03T08:00:00');
    await receive('R-5', '2026-02-20T08:00:00');
    await receive('R-6', '2026-03-02T11:00:00', 'HUYEN-AN.XA2');
    await receive('R-7', '2026-03-03T09:00:00');
    await run('/dossiers/R-7/withdraw', { reason: 'moved away', occurredAt: local('2026-03-03T11:00:00') });
  });
  afterAll(() => t.close({ remove: true }));

  it('lists each kind of difference for a register with Vietnamese headers, words and dd/MM/yyyy HH:mm dates', async () => {
    const res = await csv(VI_REGISTER);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      unitId: UNIT,
      reconciledAt: '2026-03-10T03:00:00.000Z',
      actor: 'test-supervisor',
      format: 'csv',
      registerDigest: `sha256:${createHash('sha256').update(VI_REGISTER).digest('hex')}`,
      registerBytes: Buffer.byteLength(VI_REGISTER),
      toleranceMinutes: 1,
      span: { from: utc('2026-03-02T00:00:00'), to: utc('2026-03-04T00:00:00') },
      counts: EXPECTED_COUNTS,
      differencesTruncated: false,
    });
    expect(res.body.differences).toEqual(EXPECTED_DIFFERENCES);
    expect(res.body.position).toBeGreaterThanOrEqual(position);
  });

  it('reads English headers, `;`, CRLF and ISO 8601 instants the same way', async () => {
    const res = await csv(EN_REGISTER);
    expect(res.status).toBe(201);
    expect(res.body.counts).toEqual(EXPECTED_COUNTS);
    expect(res.body.differences).toEqual(EXPECTED_DIFFERENCES);
  });

  it('takes the register as a JSON array, item numbers in place of lines', async () => {
    const res = await t.as('supervisor').post(`/units/${UNIT}/reconciliations`).send(JSON_REGISTER);
    expect(res.status).toBe(201);
    expect(res.body.format).toBe('json');
    expect(res.body.counts).toEqual(EXPECTED_COUNTS);
    expect(res.body.differences).toEqual(EXPECTED_DIFFERENCES.map((d) => (d.line === undefined ? d : { ...d, line: d.line - 1 })));
  });

  it('compares instants with the tolerance, and a date without a time by its local day', async () => {
    const exact = await csv(VI_REGISTER, 'supervisor', '&toleranceMinutes=0');
    // R-3 was received at 14:05:40; the register writes 14:05.
    expect(exact.body.differences.filter((d: { kind: string }) => d.kind === 'instant').map((d: { dossierId: string; field: string; minutes: number }) => [d.dossierId, d.field, d.minutes])).toEqual([
      ['R-3', 'receivedAt', 1],
      ['R-3', 'resolvedAt', -10],
    ]);
    const loose = await csv(VI_REGISTER, 'supervisor', '&toleranceMinutes=10');
    expect(loose.body.counts.instant).toBe(0);
    const days = [VI_HEADER, 'R-1,Đã trả kết quả,02/03/2026,03/03/2026,05/03/2026', 'R-3,đã giải quyết,2026-03-02,05/03/2026,'].join('\n');
    const byDay = await csv(days, 'supervisor', '&from=2026-03-02T00:00:00%2B07:00&to=2026-03-03T00:00:00%2B07:00');
    expect(byDay.status).toBe(201);
    expect(byDay.body.differences).toEqual([
      { dossierId: 'R-1', kind: 'instant', line: 2, field: 'returnedAt', register: '2026-03-05', system: utc('2026-03-04T08:15:00') },
      { dossierId: 'R-2', kind: 'missing_in_register', register: null, system: { status: 'received', receivedAt: utc('2026-03-02T10:20:00'), resolvedAt: null, returnedAt: null } },
    ]);
    expect(byDay.body.span).toEqual({ from: utc('2026-03-02T00:00:00'), to: utc('2026-03-03T00:00:00') });
  });

  it('a register whose lines cannot be read answers 400 with each line and its reason, and records nothing', async () => {
    const before = await count();
    const bad = [
      VI_HEADER,
      'R-1,Đã trả kết quả,02/03/2026 09:00,,',
      ',Đang xử lý,02/03/2026 09:00,,',
      'R-2,Chưa rõ,31/02/2026 09:00,,',
      'R-3,Đang xử lý,02/03/2026 25:00,,,extra',
      'R-1,Đang xử lý,,,',
      'R/4,đang xử lý,2026-03-02T09:00:00,,',
    ].join('\n');
    const res = await csv(bad);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.detail).toBe('5 lines of the register cannot be read; nothing was recorded');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
    expect(res.body.errors[0].message).toBe('dossierId is empty');
    expect(res.body.errors[1].message).toMatch(/^status "Chưa rõ" is not a status the service knows.*; receivedAt: "31\/02\/2026 09:00" is not a date/);
    expect(res.body.errors[2].message).toBe('the row has 6 cells and the header 5');
    expect(res.body.errors[3].message).toBe('dossier R-1 is listed already on line 2');
    expect(res.body.errors[4].message).toMatch(/^dossierId "R\/4" must match.*; receivedAt: "2026-03-02T09:00:00" is not a date/);
    for (const [body, detail] of [
      ['', 'the register is empty'],
      ['Số hồ sơ,Ngày nhận\nR-1,02/03/2026\n', /has no status column/],
      [`${VI_HEADER}\n`, /the register has no rows/],
      [`${VI_HEADER}\nR-1,"Đã trả,02/03/2026\n`, /cannot be read/],
    ] as const) {
      const r = await csv(body);
      expect(r.status).toBe(400);
      expect(r.body.detail).toMatch(detail);
    }
    const json = await t.as('supervisor').post(`/units/${UNIT}/reconciliations`).send([{ dossierId: 'R-1', status: 'returned', note: 'x' }, 'R-2', { dossierId: 'R-3', status: 7 }]);
    expect(json.status).toBe(400);
    expect(json.body.errors).toEqual([
      { field: 'item 1', message: 'unknown field note (fields: dossierId, status, receivedAt, resolvedAt, returnedAt)' },
      { field: 'item 2', message: 'the item is not an object' },
      { field: 'item 3', message: 'status must be a string; status is empty' },
    ]);
    expect((await t.as('supervisor').post(`/units/${UNIT}/reconciliations`).send({ dossierId: 'R-1' })).status).toBe(400);
    expect((await t.as('supervisor').post(`/units/${UNIT}/reconciliations?toleranceMinutes=-1&from=2026-03-02`).send(JSON_REGISTER)).body.errors.map((e: { field: string }) => e.field)).toEqual(['toleranceMinutes', 'from']);
    const text = await t.http.post(`/units/${UNIT}/reconciliations`).set(auth('supervisor')).set('content-type', 'text/plain').send('R-1');
    expect(text.status).toBe(415);
    expect(await count()).toBe(before);
  });

  it('lists at most 100 line problems and says how many there were', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `X-${i},nowhere,,,`);
    const res = await csv([VI_HEADER, ...rows].join('\n'));
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(100);
    expect(res.body.errors[99].field).toBe('line 101');
    expect(res.body.detail).toBe('150 lines of the register cannot be read; the first 100 are listed; nothing was recorded');
  });

  it('takes a JSON register larger than the general body limit', async () => {
    const big = Array.from({ length: 2_000 }, (_, i) => ({ dossierId: `BIG-${i}`, status: 'đang xử lý', receivedAt: local('2026-03-02T09:00:00') }));
    expect(JSON.stringify(big).length).toBeGreaterThan(t.config.bodyLimitBytes);
    const res = await t.as('supervisor').post(`/units/${UNIT}/reconciliations`).send(big);
    expect(res.status).toBe(201);
    // The span is 2 March: were received then.
    expect(res.body.counts).toMatchObject({ registerRows: 2_000, missingInSystem: 2_000, missingInRegister: 3 });
    // Elsewhere the general limit holds.
    const elsewhere = await t.as('integrator').post('/dossiers').send({ dossierId: 'X', pad: 'x'.repeat(t.config.bodyLimitBytes) });
    expect(elsewhere.status).toBe(413);
  });

  it("is for supervisors of the unit or above (and auditors and admins, whose keys do what a supervisor key does); a sibling district gets 403", async () => {
    for (const who of [{ key: 'district-an-supervisor' }, 'auditor', 'admin'] as const) expect((await csv(VI_REGISTER, who)).status).toBe(201);
    for (const who of ['integrator', { key: 'district-binh-supervisor' }] as const) expect((await csv(VI_REGISTER, who)).status).toBe(403);
    const sibling = await t.http.get(`/units/${UNIT}/reconciliations`).set(auth({ key: 'district-binh-supervisor' }));
    expect(sibling.status).toBe(403);
    expect((await t.as('auditor').get(`/units/${UNIT}/reconciliations`)).status).toBe(200);
    expect((await csv(VI_REGISTER, 'supervisor', '', 'NO-SUCH-UNIT')).status).toBe(404);
    // The district's own register compares the dossiers the district received (none here).
    const district = await csv(VI_REGISTER, { key: 'district-an-supervisor' }, '', 'HUYEN-AN');
    expect(district.body.counts).toMatchObject({ matched: 0, missingInSystem: 6, missingInRegister: 0 });
  });

  it('records the reconciliation as an event the projector passes over', async () => {
    const res = await csv(VI_REGISTER, { key: 'district-an-supervisor' });
    const store = t.app.get<EventStore>(EVENT_STORE);
    const [event] = await store.readStream(`reconciliations-${UNIT}`, { direction: 'backwards', maxCount: 1 });
    expect(event).toMatchObject({ id: res.body.reconciliationId, type: 'RegisterReconciled', data: res.body });
    expect(event.metadata).toMatchObject({ actor: 'district-an', occurredAt: '2026-03-10T03:00:00.000Z', recordedAt: '2026-03-10T03:00:00.000Z' });
    // Live, and in a rebuild: the read models pass it and quarantine nothing.
    const after = await t.as('supervisor').get(`/dossiers?unitId=${UNIT}&scope=self&minPosition=${event.position}`);
    expect(after.body.items).toHaveLength(6);
    expect((await t.as('admin').post('/projections/rebuild?wait=true')).status).toBe(200);
    const status = await t.as('auditor').get('/projections/status');
    expect(status.body).toMatchObject({ quarantined: { count: 0 }, state: 'running' });
    expect(status.body.checkpoint).toBeGreaterThanOrEqual(event.position);
    expect((await csv(VI_REGISTER)).body.counts).toEqual(EXPECTED_COUNTS);
  });

  it('reads them back, newest first and paged, also after a restart', async () => {
    clock.advance(60_000);
    const last = await csv(VI_REGISTER);
    const total = await count();
    await t.close();
    t = await startTestApp({ OVERDUE_WATCHER: 'false', REGISTER_BODY_LIMIT_BYTES: '4096' }, t.config.dataDir, { clock });
    const first = await t.as('auditor').get(`/units/${UNIT}/reconciliations?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items[0]).toEqual((({ differences: _, ...summary }) => summary)(last.body));
    const seen = [...first.body.items];
    for (let cursor = first.body.nextCursor; cursor !== null; ) {
      const page = await t.as('auditor').get(`/units/${UNIT}/reconciliations?limit=2&cursor=${cursor}`);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    }
    expect(seen).toHaveLength(total);
    const at = seen.map((s) => `${s.reconciledAt} ${s.reconciliationId}`);
    expect(at[0] >= at[at.length - 1]).toBe(true);
    const one = await t.as('supervisor').get(`/units/${UNIT}/reconciliations/${last.body.reconciliationId}`);
    expect(one.body).toEqual(last.body);
    // Another unit's path does not reach it.
    expect((await t.as('supervisor').get(`/units/HUYEN-AN.XA2/reconciliations/${last.body.reconciliationId}`)).status).toBe(404);
    expect((await t.as('supervisor').get(`/units/${UNIT}/reconciliations?cursor=nonsense`)).status).toBe(400);
    // A register over REGISTER_BODY_LIMIT_BYTES (4 KiB since the restart): 413, nothing recorded.
    const large = [VI_HEADER, ...Array.from({ length: 200 }, (_, i) => `L-${i},Đang xử lý,02/03/2026 09:00,,`)].join('\n');
    expect((await csv(large)).status).toBe(413);
    const largeJson = await t.as('supervisor').post(`/units/${UNIT}/reconciliations`).send(Array.from({ length: 200 }, (_, i) => ({ dossierId: `L-${i}`, status: 'received' })));
    expect(largeJson.status).toBe(413);
    expect(await count()).toBe(total);
  });
});
