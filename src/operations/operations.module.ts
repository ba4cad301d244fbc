import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { provisionalDaysAhead } from '../calendar/index.js';
import { CatalogService } from '../catalog/catalog.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { Projector } from '../projections/projector.js';
import { ProjectionsModule } from '../projections/projections.module.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.js';
import { ReadinessCheck } from './readiness.js';

/** Upper bounds (seconds) of the log-flush histogram: a local disk flushes in about a millisecond. */
const FLUSH_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Health, metrics and the gauges operators watch (store head, projection checkpoint and lag). */
@Global()
@Module({ imports: [ProjectionsModule], controllers: [HealthController, MetricsController], providers: [Metrics, ReadinessCheck], exports: [Metrics] })
export class OperationsModule implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly projector: Projector,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly catalog: CatalogService,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly readiness: ReadinessCheck,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge('event_store_head_position', 'Global position of the last stored event.', async () => (await this.store.headPosition()) ?? 0);
    this.metrics.gauge('projection_checkpoint_position', 'Last global position applied to the read models.', () => this.projector.checkpoint);
    this.metrics.gauge('projection_quarantined_events', 'Events the read models skipped because no view could take them (GET /projections/status lists them).', () =>
      this.projector.quarantine().count,
    );
    this.metrics.gauge('projection_stopped', '1 while the live projection is stopped (its last batch failed, none passed since), else 0.', () =>
      (this.projector.stopped === undefined ? 0 : 1),
    );
    this.metrics.gauge('projection_lag_events', 'Events stored but not yet applied to the read models.', async () =>
      Math.max(0, ((await this.store.headPosition()) ?? 0) - this.projector.checkpoint),
    );
    this.metrics.gauge('projection_lag_seconds', 'Age of the oldest event stored but not yet applied to the read models (0 when caught up).', () =>
      this.readiness.projectionLagSeconds(),
    );
    if (this.store instanceof SqliteEventStore) {
      // A command is acknowledged once the log is on disk: a slow disk shows here before in command latency.
      const flushes = this.metrics.histogram('event_log_flush_seconds', 'Time to flush the embedded event log to disk (fsync), once per group of appends.', FLUSH_BUCKETS);
      this.store.onFlush((seconds) => flushes.observe(seconds));
    }
    this.metrics.gauge('calendar_provisional_days_ahead', 'Of the coming 90 days, those in a year whose calendar is provisional (not announced).', () =>
      provisionalDaysAhead(this.catalog.calendar().compiled, this.clock.now().getTime()),
    );
  }
}
