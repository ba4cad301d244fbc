import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('POST /projections/rebuild?wait=true on a log that takes longer than the idle timeout', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A year of demo dossiers: its rebuild takes far longer than a 300 ms idle timeout.
    t = await startTestApp({ SEED_DEMO_HISTORY: 'true', CONNECTION_TIMEOUT_MS: '300' });
  }, 60_000);
  afterAll(() => t.close({ remove: true }));

  it('keeps the connection until the rebuild ends and answers its figures', async () => {
    // Once the start's work is done: a loop held longer than the idle timeout before the handler
    // runs would close the socket whatever the route does (the race this test is not about).
    for (;;) {
      const status = await t.as('admin').get('/projections/status');
      if (status.body.caughtUp && status.body.readModels.every((m: { caughtUp: boolean }) => m.caughtUp)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const res = await t.as('admin').post('/projections/rebuild?wait=true');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'done' });
    expect(res.body.durationMs).toBeGreaterThan(300);
  }, 60_000);
});
