import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';

/** The idle timeout of this test: far shorter than the rebuild of a year of demo dossiers. */
const IDLE_MS = 300;

describe('POST /projections/rebuild?wait=true on a log that takes longer than the idle timeout', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await startTestApp({ SEED_DEMO_HISTORY: 'true' });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    // Once the start's work (read models built from the seeded log) is done, the idle timeout is
    // made short: it is what CONNECTION_TIMEOUT_MS sets (Fastify's connectionTimeout).
    for (;;) {
      const status = (await (await fetch(`${base}/projections/status`, { headers: auth('admin') })).json()) as { caughtUp: boolean; readModels: { caughtUp: boolean }[] };
      if (status.caughtUp && status.readModels.every((m) => m.caughtUp)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    t.app.getHttpServer().setTimeout(IDLE_MS);
  }, 60_000);
  afterAll(() => t.close({ remove: true }));

  it('keeps the connection until the rebuild ends and answers its figures', async () => {
    const res = await fetch(`${base}/projections/rebuild?wait=true`, { method: 'POST', headers: { ...auth('admin'), connection: 'close' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; durationMs: number };
    expect(body).toMatchObject({ status: 'done' });
    expect(body.durationMs).toBeGreaterThan(IDLE_MS);
  }, 60_000);
});
