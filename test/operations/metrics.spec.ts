import { describe, expect, it } from '@jest/globals';
import { Metrics } from '../../src/operations/metrics.js';

describe('request metrics (prom-client)', () => {
  it('count requests by method, route and status, with one duration histogram per method and route', async () => {
    const metrics = new Metrics();
    metrics.observeRequest('POST', '/dossiers', 201, 0.002);
    metrics.observeRequest('POST', '/dossiers', 201, 0.03);
    metrics.observeRequest('POST', '/dossiers', 409, 0.0005);
    metrics.observeRequest('GET', '/dossiers', 200, 0.004);
    metrics.observeRequest('GET', '/a"b\\c', 404, 7);
    const lines = (await metrics.render()).split('\n');
    const requests = lines.filter((l) => l.startsWith('http_requests_total{'));
    expect(requests).toEqual([
      'http_requests_total{method="POST",route="/dossiers",status="201"} 2',
      'http_requests_total{method="POST",route="/dossiers",status="409"} 1',
      'http_requests_total{method="GET",route="/dossiers",status="200"} 1',
      'http_requests_total{method="GET",route="/a\\"b\\\\c",status="404"} 1',
    ]);
    const bucket = (labels: string, le: string) => lines.find((l) => l.startsWith(`http_request_duration_seconds_bucket{le="${le}",${labels}}`))?.split(' ')[1];
    const post = 'method="POST",route="/dossiers"';
    expect([bucket(post, '0.001'), bucket(post, '0.0025'), bucket(post, '0.025'), bucket(post, '0.05'), bucket(post, '+Inf')]).toEqual(['1', '2', '2', '3', '3']);
    expect(lines).toContain(`http_request_duration_seconds_count{${post}} 3`);
    expect(lines).toContain(`http_request_duration_seconds_sum{${post}} ${0.002 + 0.03 + 0.0005}`);
    expect(bucket('method="GET",route="/a\\"b\\\\c"', '5')).toBe('0');
    expect(bucket('method="GET",route="/a\\"b\\\\c"', '+Inf')).toBe('1');
  });

  it('render gauges and counters kept by other parts with their type, read at scrape time', async () => {
    const metrics = new Metrics();
    let open = 3;
    let dropped = 0;
    metrics.gauge('live_streams_open', 'open streams', () => open);
    metrics.counter('live_streams_dropped_slow_total', 'dropped streams', () => dropped);
    open = 2;
    dropped = 1;
    const lines = (await metrics.render()).split('\n');
    expect(lines).toEqual(expect.arrayContaining(['# TYPE live_streams_open gauge', 'live_streams_open 2', '# TYPE live_streams_dropped_slow_total counter', 'live_streams_dropped_slow_total 1']));
  });

  it('a gauge that cannot be read at scrape time is NaN in that scrape, the others are there', async () => {
    const metrics = new Metrics();
    let up = false;
    metrics.gauge('event_store_head_position', 'head', () => {
      if (!up) throw new Error('store down');
      return 7;
    });
    const down = await metrics.render();
    expect(down).toMatch(/^event_store_head_position nan$/im);
    expect(down).toMatch(/^process_uptime_seconds \d/m);
    up = true;
    expect(await metrics.render()).toMatch(/^event_store_head_position 7$/m);
  });

  it("exposes Node's default process metrics and declares its content type", async () => {
    const metrics = new Metrics();
    const text = await metrics.render();
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'process_uptime_seconds']) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
