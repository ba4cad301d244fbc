/**
 * The demo year (issue 25, item 4): a fresh start with SEED_DEMO seeds a year of dossiers through
 * the real decider, so that the province's reports show real figures; a restart seeds nothing again.
 * The clock is fixed, so the history (seeded from it) is the same on every run.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { DOSSIER_STREAM_PREFIX } from '../../src/dossier/events.js';
import { DEMO_SEED_ACTOR } from '../../src/catalog/seed/demo-history.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const NOW = Date.parse('2026-12-07T03:00:00.000Z'); // a Monday, 10:00 in Hà Nội
const DAY = 86_400_000;
const clock = { now: () => new Date(NOW) };
// The watcher would mark dossiers on its own (actor system): every event here is the seed's.
const ENV = { SEED_DEMO_HISTORY: 'true', OVERDUE_WATCHER: 'false', RATE_LIMIT_PER_MINUTE: '0' };

interface Row {
  key: string;
  carriedOver: number;
  received: { total: number };
  resolved: { total: number; early: number; onTime: number; late: number };
  withdrawn: number;
  inProgress: { total: number; withinDue: number; overdue: number; awaitingSupplement: number };
}

describe('demo history (SEED_DEMO, fixed clock)', () => {
  let t: TestApp;
  let head: number;

  beforeAll(async () => {
    t = await startTestApp(ENV, undefined, { clock });
    head = (await t.app.get<EventStore>(EVENT_STORE).headPosition())!;
  }, 120_000);
  afterAll(() => t?.close({ remove: true }));

  const timeliness = async (query: string): Promise<Row[]> => {
    const res = await t.as('supervisor').get(`/units/PROVINCE/timeliness?${query}&minPosition=${head}&timeoutMs=30000`).expect(200);
    return res.body.rows as Row[];
  };

  it('gives the province a timeliness report with real figures, and the counts add up', async () => {
    const [row] = await timeliness(`from=${new Date(NOW - 365 * DAY).toISOString()}`);
    expect(row.received.total).toBeGreaterThan(5_000);
    expect(row.resolved.early).toBeGreaterThan(0);
    expect(row.resolved.onTime).toBeGreaterThan(0);
    expect(row.resolved.late).toBeGreaterThan(0);
    expect(row.withdrawn).toBeGreaterThan(0);
    expect(row.inProgress.withinDue).toBeGreaterThan(0);
    expect(row.inProgress.overdue).toBeGreaterThan(0);
    expect(row.inProgress.awaitingSupplement).toBeGreaterThan(0);
    // This year so far (the default period), and each child of the province on its own.
    const ytd = await timeliness('groupBy=child');
    expect(ytd.length).toBeGreaterThan(5);
    for (const r of [row, ...ytd]) {
      expect(r.carriedOver + r.received.total).toBe(r.resolved.total + r.withdrawn + r.inProgress.total);
    }
    expect(ytd.reduce((s, r) => s + r.carriedOver, 0)).toBeGreaterThan(0); // December of last year runs on into this one
  });

  it('leaves dossiers falling due in the coming days, so that the live view moves', async () => {
    const res = await t.as('supervisor').get(`/dossiers?unitId=PROVINCE&status=received&overdue=false&limit=500&minPosition=${head}`).expect(200);
    const dues = (res.body.items as { dueAt: string }[]).map((d) => Date.parse(d.dueAt));
    expect(dues.length).toBeGreaterThan(0);
    expect(dues.every((due) => due > NOW)).toBe(true);
    expect(dues.filter((due) => due <= NOW + 3 * DAY).length).toBeGreaterThan(0);
  });

  it('writes ordinary dossier events by demo-seed, none recorded or received after now', async () => {
    const events = await t.app.get<EventStore>(EVENT_STORE).readAll({ streamPrefixes: [DOSSIER_STREAM_PREFIX] });
    expect(events.length).toBeGreaterThan(20_000);
    const floor = Date.parse('2000-01-01T00:00:00Z');
    // One expect for all (forty thousand expects take seconds): the events out of bounds, described.
    const outside = events.flatMap((e) =>
      [e.metadata.occurredAt, e.metadata.recordedAt, e.data.receivedAt]
        .filter((instant) => instant !== undefined && !(Date.parse(instant as string) >= floor && Date.parse(instant as string) <= NOW + 60_000))
        .map((instant) => `${e.streamId}#${e.revision} ${e.type}: ${String(instant)}`),
    );
    expect(outside).toEqual([]);
    expect(events.filter((e) => e.metadata.actor !== DEMO_SEED_ACTOR).map((e) => `${e.streamId}#${e.revision} by ${String(e.metadata.actor)}`)).toEqual([]);
    const received = events.filter((e) => e.type === 'DossierReceived');
    expect(received.every((e) => e.revision === 0)).toBe(true);
    // A dossier reads back through the service like any other.
    const some = received[received.length - 1].data.dossierId as string;
    const view = await t.as('supervisor').get(`/dossiers/${some}`).expect(200);
    expect(view.body.dossierId).toBe(some);
  });

  it('does not seed again on a restart', async () => {
    const dir = t.config.dataDir;
    await t.close();
    t = await startTestApp(ENV, dir, { clock });
    expect(await t.app.get<EventStore>(EVENT_STORE).headPosition()).toBe(head);
  }, 120_000);
});

describe('SEED_DEMO=false', () => {
  it('seeds no dossiers, even with SEED_DEMO_HISTORY', async () => {
    const t = await startTestApp({ ...ENV, SEED_DEMO: 'false' }, undefined, { clock });
    try {
      const events = await t.app.get<EventStore>(EVENT_STORE).readAll({ streamPrefixes: [DOSSIER_STREAM_PREFIX] });
      expect(events).toEqual([]);
    } finally {
      await t.close({ remove: true });
    }
  });
});
