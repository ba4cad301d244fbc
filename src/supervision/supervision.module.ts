import { Module } from '@nestjs/common';
import { ReportExports } from './export/report-exports.js';
import { AsOfReports } from './as-of-reports.js';
import { LiveReports } from './live-reports.js';
import { LiveStreams } from './live-streams.js';
import { OverdueWatcher } from './overdue-watcher.js';
import { RollUpWarmer } from './roll-up-warmer.js';
import { SupervisionController } from './supervision.controller.js';
import { SupervisionQueries } from './supervision-queries.js';

/** Reports, the dossier list, the live stream and the overdue watcher, over the projections. */
@Module({
  controllers: [SupervisionController],
  providers: [SupervisionQueries, AsOfReports, LiveReports, LiveStreams, OverdueWatcher, ReportExports, RollUpWarmer],
  exports: [OverdueWatcher, ReportExports, LiveStreams, AsOfReports],
})
export class SupervisionModule {}
