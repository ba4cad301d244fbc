import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mulberry32 } from '../../src/common/random.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { syntheticEvents, toRecordedLog } from '../../bench/support/synthetic-history.js';
import { FakeClock } from '../support/fake-clock.js';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The reconciliation of a register made up from a generated history (seeded: dossiers left out,
 * statuses and instants changed, some dates without a time, dossiers of nowhere and of the
 * neighbouring commune), checked against a naive computation straight from the events.
 */
const UNIT = 'HUYEN-AN.XA1';
const OTHER = 'HUYEN-AN.XA2';
const HOUR = 3_600_000;
const START = Date.parse('2026-03-01T00:00:00+07:00');
const NOW = Date.parse('2026-04-15T10:00:00+07:00');
const STATUSES = ['received', 'awaiting_supplement', 'resolved', 'returned', 'withdrawn'] as const;

/** The truth of a dossier, from its events alone. */
interface Truth {
  dossierId: string;
  unitId: string;
  status: string;
  receivedAt: number;
  resolvedAt: number | null;
  returnedAt: number | null;
}

function truths(events: ReturnType<typeof syntheticEvents>): Map<string, Truth> {
  const out = new Map<string, Truth>();
  for (const { dossierId, event } of events) {
    const d = event.data as unknown as Record<string, string>;
    const t = out.get(dossierId);
    if (event.type === 'DossierReceived') out.set(dossierId, { dossierId, unitId: d.unitId, status: 'received', receivedAt: Date.parse(d.receivedAt), resolvedAt: null, returnedAt: null });
    else if (!t) continue;
    else if (event.type === 'DossierSupplementRequested') t.status = 'awaiting_supplement';
    else if (event.type === 'DossierSupplemented') t.status = 'received';
    else if (event.type === 'DossierResolved') Object.assign(t, { status: 'resolved', resolvedAt: Date.parse(d.resolvedAt) });
    else if (event.type === 'DossierResultReturned') Object.assign(t, { status: 'returned', returnedAt: Date.parse(d.returnedAt) });
    else if (event.type === 'DossierWithdrawn') t.status = 'withdrawn';
  }
  return out;
}

/** Local (+07:00) calendar fields of an instant, by plain arithmetic on a shifted UTC date. */
const localParts = (ms: number) => {
  const d = new Date(ms + 7 * HOUR);
  const p = (n: number) => String(n).padStart(2, '0');
  return { date: `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`, day: d.toISOString().slice(0, 10), time: `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}` };
};

interface Cell {
  text: string;
  /** The instant the text says (to the minute), or the local day alone. */
  ms?: number;
  day?: string;
}

function cell(ms: number, random: () => number): Cell {
  if (random() < 0.05) return { text: localParts(ms).date, day: localParts(ms).day };
  const shifted = random() < 0.1 ? ms + Math.round((random() < 0.5 ? -1 : 1) * (2 + random() * 600)) * 60_000 : ms;
  const at = localParts(shifted);
  const minute = Math.floor((shifted + 7 * HOUR) / 60_000) * 60_000 - 7 * HOUR;
  return { text: `${at.date} ${at.time}`, ms: minute };
}

describe('a reconciliation equals the naive comparison over a generated history', () => {
  let t: TestApp;
  let position = 0;
  const events = syntheticEvents({ seed: 24, dossiers: 160, unitIds: [UNIT, OTHER], procedureCodes: ['HT-KHAISINH'], start: START, spanMs: 20 * 24 * HOUR, horizon: NOW, idPrefix: 'G-' });
  const truth = truths(events);

  beforeAll(async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' }, undefined, { clock: new FakeClock(NOW) });
    const store = t.app.get<EventStore>(EVENT_STORE);
    const byStream = new Map<string, ReturnType<typeof toRecordedLog>>();
    for (const e of toRecordedLog(events)) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
    for (const [stream, list] of byStream) {
      position = (await store.append(stream, list.map(({ id, type, data, metadata }) => ({ id, type, data, metadata })), 'no_stream')).position;
    }
  });
  afterAll(() => t.close({ remove: true }));

  it.each([1, 2, 3])('seed %i', async (seed) => {
    const random = mulberry32(seed);
    const rows: { id: string; status: string; receivedAt?: Cell; resolvedAt?: Cell; returnedAt?: Cell }[] = [];
    const mine = [...truth.values()].filter((d) => d.unitId === UNIT);
    for (const d of mine) {
      if (random() < 0.15) continue;
      const status = random() < 0.1 ? STATUSES[Math.floor(random() * STATUSES.length)] : d.status;
      rows.push({
        id: d.dossierId,
        status,
        receivedAt: cell(d.receivedAt, random),
        resolvedAt: d.resolvedAt === null ? (random() < 0.05 ? cell(d.receivedAt + 30 * HOUR, random) : undefined) : cell(d.resolvedAt, random),
        returnedAt: d.returnedAt === null ? undefined : cell(d.returnedAt, random),
      });
    }
    const others = [...truth.values()].filter((d) => d.unitId === OTHER).slice(0, 3);
    for (const d of others) rows.push({ id: d.dossierId, status: d.status, receivedAt: cell(d.receivedAt, random) });
    for (let i = 0; i < 4; i++) rows.push({ id: `NOWHERE-${seed}-${i}`, status: 'received', receivedAt: cell(START + i * 24 * HOUR, random) });
    rows.sort(() => random() - 0.5);
    const words: Record<string, string> = { received: 'Đang xử lý', awaiting_supplement: 'Chờ bổ sung', resolved: 'Đã giải quyết', returned: 'Đã trả kết quả', withdrawn: 'Đã rút' };
    const csv = ['Mã hồ sơ,Trạng thái,Ngày nhận,Ngày giải quyết,Ngày trả kết quả', ...rows.map((r) => [r.id, words[r.status], r.receivedAt?.text ?? '', r.resolvedAt?.text ?? '', r.returnedAt?.text ?? ''].join(','))].join('\n');

    // The naive comparison.
    const expected: string[] = [];
    rows.forEach((r, i) => {
      const line = i + 2;
      const d = truth.get(r.id);
      if (!d || d.unitId !== UNIT) return void expected.push(`${r.id} missing_in_system ${line}`);
      if (r.status !== d.status) expected.push(`${r.id} status ${line}`);
      for (const field of ['receivedAt', 'resolvedAt', 'returnedAt'] as const) {
        const c = r[field];
        const system = d[field];
        if (c === undefined) continue;
        const differs = system === null || (c.day !== undefined ? localParts(system).day !== c.day : Math.abs(system - c.ms!) > 60_000);
        if (differs) expected.push(`${r.id} instant ${line} ${field}`);
      }
    });
    const days = rows.flatMap((r) => (r.receivedAt ? [r.receivedAt.day ?? localParts(r.receivedAt.ms!).day] : [])).sort();
    const listed = new Set(rows.map((r) => r.id));
    for (const d of mine) {
      const day = localParts(d.receivedAt).day;
      if (!listed.has(d.dossierId) && day >= days[0] && day <= days[days.length - 1]) expected.push(`${d.dossierId} missing_in_register`);
    }

    const res = await t.http.post(`/units/${UNIT}/reconciliations?minPosition=${position}`).set(auth('supervisor')).set('content-type', 'text/csv').send(csv);
    expect(res.status).toBe(201);
    const found = (res.body.differences as { dossierId: string; kind: string; line?: number; field?: string }[]).map((d) =>
      [d.dossierId, d.kind, d.line, d.field].filter((x) => x !== undefined).join(' '),
    );
    expect(found.sort()).toEqual(expected.sort());
    const kinds = (k: string) => expected.filter((e) => e.split(' ')[1] === k).length;
    expect(res.body.counts).toMatchObject({ registerRows: rows.length, missingInSystem: kinds('missing_in_system'), missingInRegister: kinds('missing_in_register'), status: kinds('status'), instant: kinds('instant') });
    // The generated register exercises every kind.
    for (const k of ['missing_in_system', 'missing_in_register', 'status', 'instant']) expect(kinds(k)).toBeGreaterThan(0);
  });
});
