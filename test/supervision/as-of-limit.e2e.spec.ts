import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DOSSIER_STREAM_PREFIX } from '../../src/dossier/events.js';
import { EVENT_STORE, type EventStore, type ReadAllOptions } from '../../src/event-store/event-store.port.js';
import { AsOfIndexes } from '../../src/supervision/as-of-indexes.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { command, local, q } from './support/scenario.js';

/**
 * As-of reports while others wait: the service answers other requests while one is computing,
 * and refuses the one beyond AS_OF_CONCURRENCY with 429. The replay is held at its first page by
 * a barrier on the store (the real one, its reads passed through), never by a sleep.
 */
describe('as-of reports: bounded, and never in the way of other requests', () => {
  let t: TestApp;
  let store: EventStore;
  let gate: { entered: Promise<void>; release(): void } | undefined;
  const period = { from: local('2026-01-01T00:00:00'), to: local('2026-04-01T00:00:00') };
  const report = (asOf: string) => t.as('auditor').get(`/units/PROVINCE/timeliness${q({ ...period, asOf })}`);

  /** Holds the next as-of replay at its first read of the log until `release()`. */
  function holdNextReplay(): { entered: Promise<void>; release(): void } {
    let enter!: () => void;
    let release!: () => void;
    const entered = new Promise<void>((r) => (enter = r));
    const released = new Promise<void>((r) => (release = r));
    gate = { entered, release };
    const held = gate;
    const readAll = store.readAll.bind(store);
    store.readAll = async (o?: ReadAllOptions) => {
      if (gate === held && o?.streamPrefixes?.includes(DOSSIER_STREAM_PREFIX)) {
        gate = undefined;
        store.readAll = readAll;
        enter();
        await released;
      }
      return readAll(o);
    };
    return held;
  }

  beforeAll(async () => {
    t = await startTestApp({ AS_OF_CONCURRENCY: '1' });
    store = t.app.get<EventStore>(EVENT_STORE);
    for (const id of ['AS-1', 'AS-2']) {
      await command(t, '/dossiers', { dossierId: id, procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-AN.XA1', channel: 'online', receivedAt: local('2026-03-02T09:00:00') });
    }
    await command(t, '/dossiers/AS-1/resolve', { outcome: 'approved', occurredAt: local('2026-03-02T15:00:00') });
  });
  afterAll(() => t.close({ remove: true }));

  it('answers /health while an as-of report is computing, and 429 with Retry-After to the one beyond the limit', async () => {
    const asOfNow = new Date(Date.now() + 1000).toISOString();
    const held = holdNextReplay();
    let answered = false;
    const first = report(asOfNow).then((res) => {
      answered = true;
      return res;
    });
    await held.entered;
    expect(t.app.get(AsOfIndexes).inProgress).toBe(1);

    const health = await t.http.get('/health');
    expect(health.status).toBe(200);
    const refused = await report(local('2026-03-01T00:00:00'));
    expect(answered).toBe(false);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 429, code: 'AS_OF_LIMITED' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    held.release();
    const res = await first;
    expect(res.status).toBe(200);
    expect(res.body.asOf).toBe(asOfNow);
    expect(res.body.rows[0].received.total).toBe(2);
    expect(res.body.rows[0].resolved.total).toBe(1);
    // The place is given back: the next one is computed.
    expect(t.app.get(AsOfIndexes).inProgress).toBe(0);
    expect((await report(local('2026-03-01T00:00:00'))).status).toBe(200);
  });

  it('a report at an instant being computed joins it instead of taking a place; a settled instant is answered again the same', async () => {
    const settled = new Date(Date.now() - 120_000).toISOString();
    const indexes = t.app.get(AsOfIndexes);
    const index = indexes.index.bind(indexes);
    let asked!: () => void;
    const secondAsked = new Promise<void>((r) => (asked = r));
    let calls = 0;
    indexes.index = (asOf: number) => {
      const answer = index(asOf);
      if (++calls === 2) asked();
      return answer;
    };
    const held = holdNextReplay();
    const first = report(settled).then((res) => res);
    await held.entered;
    const second = report(settled).then((res) => res);
    await secondAsked;
    indexes.index = index;
    // Still one replay under way, and no 429 for the second although the limit is 1.
    expect(indexes.inProgress).toBe(1);
    held.release();
    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body).toEqual(a.body);
    const again = await report(settled);
    expect(again.body).toEqual(a.body);
  });
});
