import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { CatalogService } from '../../src/catalog/catalog.service.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { syntheticLog } from '../../bench/support/synthetic-history.js';
import { appendAll } from '../projections/support/store.js';
import { FakeClock } from '../support/fake-clock.js';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';
import { SseClient } from '../supervision/support/sse.js';
import { ATTENTION_EVERY_MS } from '../../src/supervision/live-reports.js';
import { command, dossierHistories, local, q } from '../supervision/support/scenario.js';
import { type Kind, naiveDossiers, naiveList } from './support/naive-attention.js';

const KINDS: Kind[] = ['overdue', 'soon_due', 'not_returned', 'silent'];
const utc = (s: string) => new Date(local(s)).toISOString();

/**
 * GET /units/{id}/attention through the real stack, the lists drawn at a fixed now. The week of
 * Monday 2 March 2026 (no holidays; office hours 08-12 and 13-17), the lists read on Monday
 * 9 March at 10:00, across the weekend; every figure below worked out by hand.
 */
describe('the review lists over HTTP', () => {
  let t: TestApp;
  let last = 0;
  const clock = new FakeClock(local('2026-03-02T07:00:00'));
  const NOW = '2026-03-09T10:00:00';

  /** A command that happened at `occurredAt`, recorded a minute later. */
  const at = async (occurredAt: string, path: string, body: Record<string, unknown> = {}) => {
    clock.set(Date.parse(local(occurredAt)) + 60_000);
    last = (await command(t, path, path === '/dossiers' ? body : { occurredAt: local(occurredAt), ...body })).position;
  };
  const receive = (occurredAt: string, dossierId: string, unitId: string, procedureCode = 'HT-KHAISINH') =>
    at(occurredAt, '/dossiers', { dossierId, procedureCode, unitId, channel: 'direct', receivedAt: local(occurredAt) });

  beforeAll(async () => {
    t = await startTestApp({}, undefined, {
      clock,
      extraKeys: [{ key: 'district-an-supervisor', role: 'supervisor', units: ['HUYEN-AN'] }],
    });
    // HT-KHAISINH: 1 working day; HT-XNTTHN: 3. Received in office hours before 15:00, the clock starts at once.
    await receive('2026-03-02T08:00:00', 'ATT-H', 'HUYEN-AN.XA1'); // due Mon 17:00; nothing after
    await receive('2026-03-02T08:00:00', 'ATT-G', 'HUYEN-AN.XA2', 'HT-XNTTHN');
    await at('2026-03-02T09:00:00', '/dossiers/ATT-G/request-supplement', { reason: 'missing page' }); // then nothing
    await receive('2026-03-02T08:30:00', 'ATT-E1', 'HUYEN-AN.XA1');
    await at('2026-03-02T09:30:00', '/dossiers/ATT-E1/resolve', { outcome: 'approved' }); // never returned
    await receive('2026-03-02T08:30:00', 'ATT-E2', 'HUYEN-AN.XA3');
    await at('2026-03-02T10:00:00', '/dossiers/ATT-E2/resolve', { outcome: 'approved' }); // exactly 5 working days before now
    await receive('2026-03-02T09:00:00', 'ATT-F', 'HUYEN-AN.XA1');
    await at('2026-03-02T11:00:00', '/dossiers/ATT-F/resolve', { outcome: 'approved' });
    await at('2026-03-03T09:00:00', '/dossiers/ATT-F/return-result'); // returned: on no list
    await receive('2026-03-02T09:00:00', 'ATT-K', 'HUYEN-AN.XA2');
    await at('2026-03-02T10:00:00', '/dossiers/ATT-K/withdraw', { reason: 'applicant withdrew' }); // withdrawn: on no list
    await receive('2026-03-02T14:00:00', 'ATT-I', 'HUYEN-BINH.XA1'); // another district; due Tue 14:00
    await receive('2026-03-03T14:00:00', 'ATT-B', 'HUYEN-AN.BPMC'); // due Wed 14:00
    await at('2026-03-04T10:00:00', '/dossiers/ATT-B/transfer', { toUnitId: 'HUYEN-AN.VPDKDD' }); // held by the land office
    await receive('2026-03-04T09:00:00', 'ATT-A', 'HUYEN-AN.XA1'); // due Thu 09:00
    await receive('2026-03-04T16:00:00', 'ATT-C', 'HUYEN-AN.XA2', 'HT-XNTTHN'); // after the cutoff: clock from Thu 08:00, due Mon 17:00
    await receive('2026-03-06T11:00:00', 'ATT-D', 'HUYEN-AN.XA1'); // due Mon 11:00
    clock.set(local(NOW));
  });
  afterAll(() => t.close({ remove: true }));

  const get = (unitId: string, params: Record<string, string | number>, who: Parameters<TestApp['as']>[0] = 'supervisor') =>
    t.as(who).get(`/units/${unitId}/attention${q({ minPosition: last, ...params })}`);
  const ids = (res: { body: { items: { dossierId: string }[] } }) => res.body.items.map((i) => i.dossierId);

  it('overdue: running dossiers past their due, the longest overdue first, each with the holder and why', async () => {
    const res = await get('HUYEN-AN', { kind: 'overdue' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ unitId: 'HUYEN-AN', kind: 'overdue', scope: 'subtree', evaluatedAt: utc(NOW), thresholds: { withinWorkingHours: 8, afterWorkingDays: 5 } });
    expect(res.body.nextCursor).toBeUndefined();
    expect(res.body.items).toEqual([
      {
        dossierId: 'ATT-H', kind: 'overdue', unitId: 'HUYEN-AN.XA1', currentUnitId: 'HUYEN-AN.XA1', status: 'received',
        // One working day from Monday 08:00 ends at Monday's closing, not at Tuesday's opening.
        dueAt: utc('2026-03-02T17:00:00'), lastEventAt: utc('2026-03-02T08:00:00'),
        why: 'overdue since 2026-03-02 17:00 (+07:00), 4 working days 2 hours',
      },
      {
        dossierId: 'ATT-B', kind: 'overdue', unitId: 'HUYEN-AN.BPMC', currentUnitId: 'HUYEN-AN.VPDKDD', status: 'received',
        dueAt: utc('2026-03-04T14:00:00'), lastEventAt: utc('2026-03-04T10:00:00'),
        // Wed 14-17, Thu, Fri, Mon 08-10: 3 + 16 + 2 hours.
        why: 'overdue since 2026-03-04 14:00 (+07:00), 2 working days 5 hours',
      },
      {
        dossierId: 'ATT-A', kind: 'overdue', unitId: 'HUYEN-AN.XA1', currentUnitId: 'HUYEN-AN.XA1', status: 'received',
        dueAt: utc('2026-03-05T09:00:00'), lastEventAt: utc('2026-03-04T09:00:00'),
        why: 'overdue since 2026-03-05 09:00 (+07:00), 2 working days 1 hour',
      },
    ]);
  });

  it('soon due: within 8 working hours, the soonest first; on Friday afternoon the horizon reaches across the weekend', async () => {
    const monday = await get('HUYEN-AN', { kind: 'soon_due' });
    expect(monday.body.items.map((i: { dossierId: string; why: string }) => [i.dossierId, i.why])).toEqual([
      ['ATT-D', 'due 2026-03-09 11:00 (+07:00), in 1 working hour'],
      ['ATT-C', 'due 2026-03-09 17:00 (+07:00), in 6 working hours'],
    ]);
    // Friday 15:00 + 8 working hours = Monday 15:00 (Fri 15-17, Mon 08-12, 13-15): C, due Mon 17:00, is beyond.
    clock.set(local('2026-03-06T15:00:00'));
    try {
      const friday = await get('HUYEN-AN', { kind: 'soon_due' });
      expect(friday.body.items.map((i: { dossierId: string; why: string }) => [i.dossierId, i.why])).toEqual([['ATT-D', 'due 2026-03-09 11:00 (+07:00), in 5 working hours']]);
      const wider = await get('HUYEN-AN', { kind: 'soon_due', withinWorkingHours: 10 });
      expect(ids(wider)).toEqual(['ATT-D', 'ATT-C']);
      expect(wider.body.items[1].why).toBe('due 2026-03-09 17:00 (+07:00), in 1 working day 2 hours');
    } finally {
      clock.set(local(NOW));
    }
  });

  it('not returned: resolved more than 5 working days ago (not exactly 5), returned and withdrawn dossiers on no list', async () => {
    const res = await get('HUYEN-AN', { kind: 'not_returned' });
    expect(res.body.items).toEqual([
      {
        dossierId: 'ATT-E1', kind: 'not_returned', unitId: 'HUYEN-AN.XA1', currentUnitId: 'HUYEN-AN.XA1', status: 'resolved',
        dueAt: utc('2026-03-03T08:30:00'), lastEventAt: utc('2026-03-02T09:30:00'), resolvedAt: utc('2026-03-02T09:30:00'),
        // Mon 09:30-17:00 (6.5 h), Tue-Fri, Mon 08-10: 40.5 working hours.
        why: 'resolved 2026-03-02 09:30 (+07:00), result not returned after 5 working days',
      },
    ]);
    // E2, resolved at 10:00, has exactly 5 working days behind it; with 3 it is on the list too.
    expect(ids(await get('HUYEN-AN', { kind: 'not_returned', afterWorkingDays: 3 }))).toEqual(['ATT-E1', 'ATT-E2']);
    for (const kind of KINDS) expect(ids(await get('PROVINCE', { kind }))).not.toEqual(expect.arrayContaining(['ATT-F']));
    for (const kind of KINDS) expect(ids(await get('PROVINCE', { kind }))).not.toEqual(expect.arrayContaining(['ATT-K']));
  });

  it('silent: open (awaiting a supplement too) with nothing happening for more than 5 working days, by occurred instants', async () => {
    const res = await get('HUYEN-AN', { kind: 'silent' });
    expect(res.body.items.map((i: { dossierId: string; status: string; why: string }) => [i.dossierId, i.status, i.why])).toEqual([
      ['ATT-H', 'received', 'nothing has happened since 2026-03-02 08:00 (+07:00), 5 working days 2 hours'],
      ['ATT-G', 'awaiting_supplement', 'awaiting a supplement; nothing has happened since 2026-03-02 09:00 (+07:00), 5 working days 1 hour'],
    ]);
    // After 3 working days: A (received Wed 09:00) too; B's transfer (Wed 10:00) is exactly 3 working days back.
    expect(ids(await get('HUYEN-AN', { kind: 'silent', afterWorkingDays: 3 }))).toEqual(['ATT-H', 'ATT-G', 'ATT-A']);
  });

  it('scopes by the receiving unit (as the reports), not the holder; self or subtree; a district supervisor never sees a sibling district', async () => {
    expect(ids(await get('HUYEN-AN.XA1', { kind: 'overdue', scope: 'self' }))).toEqual(['ATT-H', 'ATT-A']);
    expect(ids(await get('HUYEN-AN.BPMC', { kind: 'overdue' }))).toEqual(['ATT-B']);
    expect(ids(await get('HUYEN-AN.VPDKDD', { kind: 'overdue' }))).toEqual([]);
    expect(ids(await get('HUYEN-AN', { kind: 'overdue', scope: 'self' }))).toEqual([]);
    expect(ids(await get('PROVINCE', { kind: 'overdue' }))).toEqual(['ATT-H', 'ATT-I', 'ATT-B', 'ATT-A']);
    const district = { key: 'district-an-supervisor' };
    expect(ids(await get('HUYEN-AN', { kind: 'overdue' }, district))).toEqual(['ATT-H', 'ATT-B', 'ATT-A']);
    for (const unit of ['HUYEN-BINH', 'PROVINCE']) {
      const res = await get(unit, { kind: 'overdue' }, district);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect((await t.as(district).get(`/units/${unit}/attention/counts`)).status).toBe(403);
    }
    expect((await get('HUYEN-AN', { kind: 'overdue' }, 'integrator')).status).toBe(403);
    expect((await get('NOWHERE', { kind: 'overdue' })).status).toBe(404);
  });

  it('pages through a cursor, the pages together the whole list', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 4; page++) {
      const res = await get('PROVINCE', { kind: 'overdue', limit: 1, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      seen.push(...ids(res));
      cursor = res.body.nextCursor;
      expect(cursor === undefined).toBe(page === 3);
    }
    expect(seen).toEqual(['ATT-H', 'ATT-I', 'ATT-B', 'ATT-A']);
    const first = await get('PROVINCE', { kind: 'overdue', limit: 3 });
    expect(ids(first)).toEqual(['ATT-H', 'ATT-I', 'ATT-B']);
    const second = await get('PROVINCE', { kind: 'overdue', limit: 3, cursor: first.body.nextCursor });
    expect(ids(second)).toEqual(['ATT-A']);
    expect(second.body.nextCursor).toBeUndefined();
  });

  it('counts each list for the unit or its subtree', async () => {
    const counts = async (unitId: string, params: Record<string, string | number> = {}) => {
      const res = await t.as('supervisor').get(`/units/${unitId}/attention/counts${q({ minPosition: last, ...params })}`);
      expect(res.status).toBe(200);
      return res.body.counts;
    };
    expect(await counts('HUYEN-AN')).toEqual({ overdue: 3, soon_due: 2, not_returned: 1, silent: 2 });
    expect(await counts('PROVINCE')).toEqual({ overdue: 4, soon_due: 2, not_returned: 1, silent: 2 });
    expect(await counts('HUYEN-AN.XA1', { scope: 'self', afterWorkingDays: 3 })).toEqual({ overdue: 2, soon_due: 1, not_returned: 1, silent: 2 });
    expect(await counts('HUYEN-BINH')).toEqual({ overdue: 1, soon_due: 0, not_returned: 0, silent: 0 });
  });

  it('the live report carries, in each row keyed by unit, the counts of its dossiers on each list (as /attention/counts)', async () => {
    await t.app.listen(0, '127.0.0.1');
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    type Row = { key: string; attention?: Record<Kind, number> | null };
    const firstFrame = async (unitId: string, params: Record<string, string | number>) => {
      const live = new SseClient(port, `/units/${unitId}/timeliness/live${q({ from: local('2026-01-01T00:00:00'), minPosition: last, ...params })}`, auth('supervisor'));
      try {
        return ((await live.waitFor(1))[0].data as { rows: Row[] }).rows;
      } finally {
        live.close();
      }
    };
    const counts = async (unitId: string, scope = 'subtree') => (await t.as('supervisor').get(`/units/${unitId}/attention/counts${q({ scope })}`)).body.counts;

    expect(await firstFrame('PROVINCE', {})).toEqual([expect.objectContaining({ key: 'PROVINCE', attention: { overdue: 4, soon_due: 2, not_returned: 1, silent: 2 } })]);
    // By child: each child's subtree; the unit's own row (when it has dossiers) its own only.
    const rows = await firstFrame('HUYEN-AN', { groupBy: 'child' });
    expect(rows.length).toBeGreaterThan(2);
    for (const row of rows) expect(row.attention).toEqual(await counts(row.key, row.key === 'HUYEN-AN' ? 'self' : 'subtree'));
    expect(rows.find((r) => r.key === 'HUYEN-AN.XA1')!.attention).toEqual({ overdue: 2, soon_due: 1, not_returned: 1, silent: 1 });
    // Rows by procedure are not a unit's: no counts.
    expect((await firstFrame('HUYEN-AN', { groupBy: 'procedure' })).every((r) => !('attention' in r))).toBe(true);

    // A change: its frame may reuse counts from less than ATTENTION_EVERY_MS ago; a frame follows with them counted again.
    const live = new SseClient(port, `/units/HUYEN-AN/timeliness/live${q({ from: local('2026-01-01T00:00:00'), minPosition: last })}`, auth('supervisor'));
    try {
      const before = ((await live.waitFor(1))[0].data as { rows: Row[] }).rows[0].attention;
      await receive('2026-03-09T09:59:00', 'ATT-L', 'HUYEN-AN.XA3'); // recorded at now
      const after = await counts('HUYEN-AN');
      expect(after).not.toEqual(before);
      const attentionOf = (n: number) => (live.events[n - 1].data as { rows: Row[] }).rows[0].attention;
      let n = 2;
      for (; n <= 4; n++) if (JSON.stringify(attentionOf((await live.waitFor(n, 2 * ATTENTION_EVERY_MS + 5000)).length)) === JSON.stringify(after)) break;
      expect(attentionOf(n)).toEqual(after);
    } finally {
      live.close();
    }
  });

  it('refuses bad options with a 400 naming every field', async () => {
    const other = (await get('PROVINCE', { kind: 'overdue', limit: 1 })).body.nextCursor;
    const cases: [Record<string, string | number>, string[]][] = [
      [{}, ['kind']],
      [{ kind: 'late' }, ['kind']],
      [{ kind: 'overdue', limit: 0, scope: 'all', withinWorkingHours: 0, afterWorkingDays: -1 }, ['scope', 'withinWorkingHours', 'afterWorkingDays', 'limit']],
      [{ kind: 'overdue', cursor: 'not-a-cursor' }, ['cursor']],
      [{ kind: 'silent', cursor: other }, ['cursor']],
    ];
    for (const [params, fields] of cases) {
      const res = await get('HUYEN-AN', params);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([...fields].sort());
    }
    expect((await t.as('supervisor').get('/units/HUYEN-AN/attention/counts?afterWorkingDays=x')).status).toBe(400);
  });
});

describe('the review lists over HTTP against a naive walk of generated histories', () => {
  let t: TestApp;
  let head = 0;
  const START = Date.parse(local('2026-03-02T00:00:00'));
  const DAY = 86_400_000;
  const clock = new FakeClock(START + 26 * DAY + 3 * 3_600_000);

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { clock });
    const units = t.app.get(CatalogService).subtree('PROVINCE');
    const store = t.app.get<EventStore>(EVENT_STORE);
    await appendAll(store, syntheticLog({ seed: 24, dossiers: 400, unitIds: units, procedureCodes: ['HT-KHAISINH'], start: START, spanMs: 30 * DAY, horizon: START + 25 * DAY, idPrefix: 'syn-' }));
    head = (await store.headPosition())!;
  });
  afterAll(() => t.close({ remove: true }));

  it.each([['PROVINCE'], ['HUYEN-AN'], ['TP-DEMO.XA4']])('every list of %s, paged five at a time, and its counts, as the naive walk has them', async (unitId) => {
    const catalog = t.app.get(CatalogService);
    const dossiers = naiveDossiers(await dossierHistories(t));
    const units = catalog.subtree(unitId);
    const counts = (await t.as('auditor').get(`/units/${unitId}/attention/counts${q({ minPosition: head })}`)).body.counts;
    let listed = 0;
    for (const kind of KINDS) {
      const expected = naiveList(kind, dossiers, units, catalog.calendar().compiled, clock.now().getTime()).map((d) => d.dossierId);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await t.as('auditor').get(`/units/${unitId}/attention${q({ kind, limit: 5, minPosition: head, ...(cursor ? { cursor } : {}) })}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((i: { dossierId: string }) => i.dossierId));
        cursor = res.body.nextCursor;
      } while (cursor !== undefined);
      expect(seen).toEqual(expected);
      expect(counts[kind]).toBe(expected.length);
      listed += expected.length;
    }
    if (unitId === 'PROVINCE') expect(listed).toBeGreaterThan(20);
  });
});
