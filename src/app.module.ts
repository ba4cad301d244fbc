import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from './config.js';
import { EventStoreModule } from './event-store/event-store.module.js';
import { OperationsModule } from './operations/operations.module.js';
import { ProblemFilter } from './common/problem.filter.js';
import { CatalogModule } from './catalog/catalog.module.js';
import { DossierModule } from './dossier/dossier.module.js';
import { CLOCK, type Clock, systemClock } from './common/clock.js';
import { AccessModule } from './access/access.module.js';
import { ProjectionsModule } from './projections/projections.module.js';
import { SupervisionModule } from './supervision/supervision.module.js';
import { ImportModule } from './import/import.module.js';
import { EntryLagModule } from './entry-lag/entry-lag.module.js';
import { FeedModule } from './feed/feed.module.js';
import { ReconciliationModule } from './reconciliation/reconciliation.module.js';
import { ScorecardModule } from './scorecard/scorecard.module.js';
import { TargetsModule } from './targets/targets.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AttentionModule } from './attention/attention.module.js';

/** What a test or a benchmark may swap in. */
export interface AppOptions {
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [CqrsModule.forRoot(), EventStoreModule, CatalogModule, DossierModule, AccessModule, ProjectionsModule, SupervisionModule, OperationsModule, ImportModule, EntryLagModule, FeedModule, ReconciliationModule, TargetsModule, ScorecardModule, AuditModule, AttentionModule],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
      exports: [APP_CONFIG, CLOCK],
    };
  }
}
