import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AsOfReports } from '../../src/supervision/as-of-reports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { command, local, q } from './support/scenario.js';

/**
 * As-of reports while others wait: the service answers other requests while one is computing,
 * and refuses the one beyond AS_OF_CONCURRENCY with 429. The as-of read is held before it starts
 * by a barrier on its first turn given back to the event loop, never by a sleep.
 */
describe('as-of reports: bounded, and never in the way of other requests', () => {
  let t: TestApp;
  const period = { from: local('2026-01-01T00:00:00'), to: local('2026-04-01T00:00:00') };
  const report = (asOf: string) => t.as('auditor').get(`/units/PROVINCE/timeliness${q({ ...period, asOf })}`);

  /** Holds the next as-of read at its first turn given back to the event loop until `release()`. */
  function holdNextRead(): { entered: Promise<void>; release(): void } {
    let enter!: () => void;
    let release!: () => void;
    const entered = new Promise<void>((r) => (enter = r));
    const released = new Promise<void>((r) => (release = r));
    const reports = t.app.get(AsOfReports);
    const yieldTurn = reports.yieldTurn.bind(reports);
    reports.yieldTurn = async () => {
      reports.yieldTurn = yieldTurn;
      enter();
      await released;
    };
    return { entered, release };
  }

  beforeAll(async () => {
    t = await startTestApp({ AS_OF_CONCURRENCY: '1' });
    for (const id of ['AS-1', 'AS-2']) {
      await command(t, '/dossiers', { dossierId: id, procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-AN.XA1', channel: 'online', receivedAt: local('2026-03-02T09:00:00') });
    }
    await command(t, '/dossiers/AS-1/resolve', { outcome: 'approved', occurredAt: local('2026-03-02T15:00:00') });
  });
  afterAll(() => t.close({ remove: true }));

  it('answers /health while an as-of report is computing, and 429 with Retry-After to the one beyond the limit', async () => {
    const asOfNow = new Date(Date.now() + 1000).toISOString();
    const held = holdNextRead();
    let answered = false;
    const first = report(asOfNow).then((res) => {
      answered = true;
      return res;
    });
    await held.entered;
    expect(t.app.get(AsOfReports).inProgress).toBe(1);

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
    expect(t.app.get(AsOfReports).inProgress).toBe(0);
    expect((await report(local('2026-03-01T00:00:00'))).status).toBe(200);
  });

  it('counts what was recorded by the instant even when commits land while the report is being read', async () => {
    const asOf = new Date(Date.now()).toISOString();
    const held = holdNextRead();
    const answer = report(asOf).then((res) => res);
    await held.entered;
    // Recorded after the instant, committed while the report is held: in the index when it ends, not in the answer.
    const { position } = await command(t, '/dossiers', { dossierId: 'AS-3', procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-AN.XA1', channel: 'online', receivedAt: local('2026-03-03T09:00:00') });
    const live = await t.as('auditor').get(`/units/PROVINCE/timeliness${q({ ...period, minPosition: position })}`);
    expect(live.body.rows[0].received.total).toBe(3);
    held.release();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body.rows[0].received.total).toBe(2);
    expect(res.body.rows[0].resolved.total).toBe(1);
  });
});
