/**
 * Issue 27: /health/live and /health/ready beside /health, and the prom-client metrics at /metrics.
 * The failures are real ones, injected as in test/hostile/store-unavailable: SQLite's
 * `max_page_count` makes a file refuse new pages with SQLITE_FULL, as a full disk does.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { Projector } from '../../src/projections/projector.js';
import { connectionOf, fillDisk, freeDisk, receiveAnHourAgo, until } from '../support/full-disk.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const receive = receiveAnHourAgo;

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close({ remove: true });
  t = undefined;
});

describe('/health/live and /health/ready', () => {
  it('answer 200 without a key while all is well', async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' });
    await t.app.get(Projector).whenCaughtUp();
    expect((await t.http.get('/health/live')).body).toEqual({ status: 'ok' });
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      reasons: [],
      eventStore: { status: 'up', append: 'ok' },
      projections: { status: 'running', lagEvents: 0, lagSeconds: 0, maxLagSeconds: 30 },
    });
  });

  it('ready is 503 while the log cannot be appended to, live stays 200; both back by themselves', async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' });
    const db = connectionOf(t.app.get<EventStore>(EVENT_STORE));
    fillDisk(db);
    let refused = false;
    for (let i = 0; i < 200 && !refused; i++) refused = (await t.as('integrator').post('/dossiers').send(receive(`FULL-${i}`))).status === 503;
    expect(refused).toBe(true);
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', reasons: ['the event log cannot be appended to'], eventStore: { append: 'failing', reason: expect.stringMatching(/SQLITE_FULL/) } });
    expect((await t.http.get('/health/live')).status).toBe(200);
    freeDisk(db);
    expect((await until(() => t!.http.get('/health/ready'), (res) => res.status === 200)).status).toBe(200);
  }, 30_000);

  it('ready is 503 once the read models fall more than READY_MAX_LAG_SECONDS behind the log', async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false', READY_MAX_LAG_SECONDS: '1' });
    const projector = t.app.get(Projector);
    await projector.whenCaughtUp();
    // The read models' file is full: appends go on (another file), the projection falls behind.
    const db = connectionOf(projector.readModels);
    fillDisk(db);
    let stopped = false;
    for (let i = 0; i < 200 && !stopped; i++) {
      expect((await t.as('integrator').post('/dossiers').send(receive(`LAG-${i}`))).status).toBe(201);
      stopped = (await until(async () => projector.stopped, (why) => why !== undefined, 300)) !== undefined;
    }
    expect(stopped).toBe(true);
    const ready = await until(() => t!.http.get('/health/ready'), (res) => res.status === 503, 10_000);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', eventStore: { status: 'up', append: 'ok' }, projections: { status: 'stopped', maxLagSeconds: 1 } });
    expect(ready.body.projections.lagSeconds).toBeGreaterThan(1);
    expect(ready.body.projections.lagEvents).toBeGreaterThan(0);
    expect(ready.body.reasons).toEqual([expect.stringMatching(/read models are \d+ s behind the log \(more than 1 s\)/)]);
    expect((await t.http.get('/health/live')).status).toBe(200);
    const metrics = (await t.as('auditor').get('/metrics')).text;
    expect(Number(/^projection_lag_seconds (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(1);

    freeDisk(db);
    const back = await until(() => t!.http.get('/health/ready'), (res) => res.status === 200, 15_000);
    expect(back.body.projections).toMatchObject({ lagEvents: 0, lagSeconds: 0 });
  }, 40_000);
});

describe('/metrics (prom-client)', () => {
  it('serves Prometheus text with the default process metrics, the request histograms by route and the service gauges', async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' });
    expect((await t.as('integrator').post('/dossiers').send(receive('M-1'))).status).toBe(201);
    const res = await t.as('auditor').get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(text).toMatch(/^http_requests_total\{method="POST",route="\/dossiers",status="201"\} 1$/m);
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/dossiers"\} 1$/m);
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="POST",route="\/dossiers"\} 1$/m);
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'process_uptime_seconds',
      'event_store_head_position',
      'projection_checkpoint_position',
      'projection_lag_events',
      'projection_lag_seconds',
      'projection_quarantined_events',
      'projection_stopped',
      'live_streams_open',
      'live_streams_refused_total',
      'live_streams_dropped_slow_total',
      'live_report_computations_total',
      'live_reports_shown',
      'calendar_provisional_days_ahead',
    ]) {
      expect({ name, present: new RegExp(`^# TYPE ${name} (gauge|counter|histogram)$`, 'm').test(text) }).toEqual({ name, present: true });
    }
    expect(text).toMatch(/^projection_quarantined_events 0$/m);
    expect(text).toMatch(/^live_streams_open 0$/m);
  });

  it('counts the flushes of the embedded log to disk in a histogram (each acknowledged command waited for one)', async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false', SQLITE_SYNCHRONOUS: 'full' });
    const flushes = async () => Number(/^event_log_flush_seconds_count (\d+)$/m.exec((await t!.as('auditor').get('/metrics')).text)?.[1]);
    const before = await flushes();
    for (let i = 0; i < 3; i++) expect((await t.as('integrator').post('/dossiers').send(receive(`F-${i}`))).status).toBe(201);
    // One at a time: each append's acknowledgement waited for a flush of its own.
    expect((await flushes()) - before).toBeGreaterThanOrEqual(3);
    expect((await t.as('auditor').get('/metrics')).text).toMatch(/^event_log_flush_seconds_bucket\{le="\+Inf"\} \d+$/m);
  });
});
