import { Injectable } from '@nestjs/common';

/** Upper bounds (seconds) of the request-duration histogram. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

interface Series {
  /** `method="...",route="..."` */
  labels: string;
  histogram: Histogram;
  /** Keys of `requests` by status. */
  requestKeys: Map<number, string>;
}

/**
 * In-process metrics in the Prometheus text format: HTTP requests by route and status, their
 * durations, and the gauges other parts register (projection checkpoint and lag, ...).
 */
@Injectable()
export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  private readonly gauges = new Map<string, { help: string; type: 'gauge' | 'counter'; read: () => Promise<number> | number }>();
  private readonly series = new Map<string, Map<string, Series>>();
  private readonly started = Date.now();

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const series = this.seriesOf(method, route);
    let key = series.requestKeys.get(status);
    if (key === undefined) series.requestKeys.set(status, (key = `${series.labels},status="${status}"`));
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const h = series.histogram;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) h.counts[i]++;
    h.sum += seconds;
    h.count++;
  }

  /** The labels and histogram of a method and route, made on its first request (few routes, many requests). */
  private seriesOf(method: string, route: string): Series {
    let byMethod = this.series.get(route);
    if (!byMethod) this.series.set(route, (byMethod = new Map()));
    let series = byMethod.get(method);
    if (!series) {
      const labels = `method="${method}",route="${escape(route)}"`;
      let histogram = this.durations.get(labels);
      if (!histogram) this.durations.set(labels, (histogram = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
      byMethod.set(method, (series = { labels, histogram, requestKeys: new Map() }));
    }
    return series;
  }

  /** A gauge read at scrape time. */
  gauge(name: string, help: string, read: () => Promise<number> | number): void {
    this.gauges.set(name, { help, type: 'gauge', read });
  }

  /** A count kept by another part (only ever grows), read at scrape time. */
  counter(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, type: 'counter', read });
  }

  async render(): Promise<string> {
    const lines: string[] = [
      '# HELP http_requests_total HTTP requests answered, by route and status.',
      '# TYPE http_requests_total counter',
      ...[...this.requests].map(([labels, n]) => `http_requests_total{${labels}} ${n}`),
      '# HELP http_request_duration_seconds Time to answer HTTP requests.',
      '# TYPE http_request_duration_seconds histogram',
    ];
    for (const [labels, h] of this.durations) {
      BUCKETS.forEach((b, i) => lines.push(`http_request_duration_seconds_bucket{${labels},le="${b}"} ${h.counts[i]}`));
      lines.push(`http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      lines.push(`http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      lines.push(`http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    const memory = process.memoryUsage();
    lines.push(
      '# HELP process_resident_memory_bytes Resident memory size.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${memory.rss}`,
      '# HELP process_uptime_seconds Seconds since the service started.',
      '# TYPE process_uptime_seconds gauge',
      `process_uptime_seconds ${(Date.now() - this.started) / 1000}`,
    );
    for (const [name, g] of this.gauges) {
      let value: number;
      try {
        value = await g.read();
      } catch {
        continue; // a gauge that cannot be read now (store down) is left out of this scrape
      }
      lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} ${g.type}`, `${name} ${value}`);
    }
    return lines.join('\n') + '\n';
  }
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
