import { Module } from '@nestjs/common';
import { EntryLagController } from './entry-lag.controller.js';
import { EntryLagLive } from './entry-lag-live.js';
import { EntryLagReports } from './entry-lag.queries.js';
import { SupervisionModule } from '../supervision/supervision.module.js';

@Module({ imports: [SupervisionModule], controllers: [EntryLagController], providers: [EntryLagReports, EntryLagLive] })
export class EntryLagModule {}
