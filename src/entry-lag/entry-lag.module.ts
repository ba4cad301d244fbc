import { Module } from '@nestjs/common';
import { EntryLagController } from './entry-lag.controller.js';
import { EntryLagReports } from './entry-lag.queries.js';

@Module({ controllers: [EntryLagController], providers: [EntryLagReports] })
export class EntryLagModule {}
