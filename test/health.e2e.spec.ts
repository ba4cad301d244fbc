import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auth, startTestApp, type TestApp } from './support/test-app.js';

describe('operations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close({ remove: true }));

  it('GET /health answers 200 with the event store up, without a key', async () => {
    const res = await t.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ok',
      eventStore: { kind: 'sqlite', status: 'up', append: 'ok' },
      projections: { status: 'running', quarantined: 0 },
    });
  });

  it('an unknown route is a problem+json 404', async () => {
    const res = await t.http.get('/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('GET /metrics serves Prometheus text with request counts and projection gauges', async () => {
    await t.http.get('/health');
    const res = await t.http.get('/metrics').set(auth('auditor'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toMatch(/^http_requests_total\{method="GET",route="\/health",status="200"\} \d+$/m);
    expect(res.text).toMatch(/^projection_checkpoint_position \d+$/m);
    expect(res.text).toMatch(/^event_store_head_position \d+$/m);
    expect((await t.http.get('/metrics')).status).toBe(401);
  });

  it('serves the OpenAPI document', async () => {
    const res = await t.http.get('/docs/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
  });
});
