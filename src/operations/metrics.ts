import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Upper bounds (seconds) of the request-duration histogram. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The bound series of one method and route (few routes, many requests: made once, then reused). */
interface Series {
  duration: { observe(seconds: number): void };
  byStatus: Map<number, { inc(): void }>;
}

/**
 * The service's metrics in a prom-client registry of its own: Node's default process metrics,
 * HTTP requests by route and status with their latency histogram (commands are the POST routes),
 * and the gauges and counts other parts keep (projection checkpoint and lag, quarantined events,
 * live streams, ...), read at scrape time.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by route and status.', labelNames: ['method', 'route', 'status'] as const, registers: [this.registry] });
  private readonly durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method and route (the command latency: POST routes).',
    labelNames: ['method', 'route'] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  });
  private readonly series = new Map<string, Map<string, Series>>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const started = Date.now();
    this.gauge('process_uptime_seconds', 'Seconds since the service started.', () => (Date.now() - started) / 1000);
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const series = this.seriesOf(method, route);
    let requests = series.byStatus.get(status);
    if (!requests) series.byStatus.set(status, (requests = this.requests.labels(method, route, String(status))));
    requests.inc();
    series.duration.observe(seconds);
  }

  private seriesOf(method: string, route: string): Series {
    let byMethod = this.series.get(route);
    if (!byMethod) this.series.set(route, (byMethod = new Map()));
    let series = byMethod.get(method);
    if (!series) byMethod.set(method, (series = { duration: this.durations.labels(method, route), byStatus: new Map() }));
    return series;
  }

  /** A gauge read at scrape time; NaN in a scrape where it cannot be read (the store down, say). */
  gauge(name: string, help: string, read: () => Promise<number> | number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        try {
          this.set(await read());
        } catch {
          this.set(Number.NaN);
        }
      },
    });
  }

  /** A count kept by another part (only ever grows), read at scrape time. */
  counter(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  /** A histogram another part observes into (seconds). */
  histogram(name: string, help: string, buckets: number[]): { observe(seconds: number): void } {
    return new Histogram({ name, help, buckets, registers: [this.registry] });
  }

  /** The Prometheus text format (`contentType`). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
