import { Module } from '@nestjs/common';
import { EntryLagController } from './entry-lag.controller.js';
import { EntryLagLive } from './entry-lag-live.js';
import { EntryLagReports } from './entry-lag.queries.js';
import { EntryLagCompactor } from './entry-lag-compactor.js';
import { SupervisionModule } from '../supervision/supervision.module.js';

@Module({ imports: [SupervisionModule], controllers: [EntryLagController], providers: [EntryLagReports, EntryLagLive, EntryLagCompactor] })
export class EntryLagModule {}
