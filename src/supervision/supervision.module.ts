import { Module } from '@nestjs/common';
import { OverdueWatcher } from './overdue-watcher.js';
import { SupervisionController } from './supervision.controller.js';
import { SupervisionQueries } from './supervision-queries.js';

/** Reports, the dossier list, the live stream and the overdue watcher, over the projections. */
@Module({ controllers: [SupervisionController], providers: [SupervisionQueries, OverdueWatcher], exports: [OverdueWatcher] })
export class SupervisionModule {}
