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
    const res = await t.as('admin').post('/projections/rebuild?wait=true');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'done' });
    expect(res.body.durationMs).toBeGreaterThan(300);
  }, 60_000);
});
