import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { UnitScoped } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal, Roles } from '../access/principal.js';
import { assertId } from '../common/validation.js';
import { ApiAnswer, ApiKeyRequired, ApiProblems } from '../docs/api-docs.decorators.js';
import * as ex from '../docs/examples.js';
import { ApiPeriod } from '../supervision/api-period.js';
import { ApiReportAnswer } from '../supervision/export/api-export.decorators.js';
import { exportFormat } from '../supervision/export/export-format.js';
import { ReportExports } from '../supervision/export/report-exports.js';
import type { RawQuery } from '../supervision/query-params.js';
import { LiveStreams } from '../supervision/live-streams.js';
import { EntryLagLive } from './entry-lag-live.js';
import { entryLagForm } from './entry-lag-form.js';
import { type EntryLagReport, EntryLagReports } from './entry-lag.queries.js';

const LIVE_FRAME = `event: entry-lag\nid: 74\ndata: ${JSON.stringify(ex.ENTRY_LAG)}\n\n`;

/** How late each unit records what happened (DOMAIN.md, "Measuring the gap between the system and reality"), and its live stream. */
@ApiTags('supervision')
@ApiKeyRequired()
@ApiProblems('VALIDATION_FAILED', 'NOT_FOUND', 'NOT_CAUGHT_UP')
@Controller()
export class EntryLagController {
  constructor(
    private readonly reports: EntryLagReports,
    private readonly exports: ReportExports,
    private readonly liveReports: EntryLagLive,
    private readonly streams: LiveStreams,
  ) {}

  @Get('units/:unitId/entry-lag')
  @ApiOperation({ summary: 'Entry lag: how long after it happened each event was recorded, per unit, child unit or event type' })
  @ApiReportAnswer('the rows: events, median / p90 / max lag in wall minutes, median in office minutes, late entries and their share', ex.ENTRY_LAG as EntryLagReport, entryLagForm, 'a table of the entry-lag report')
  @Roles('supervisor', 'auditor', 'admin')
  @UnitScoped({ param: 'unitId' })
  @ApiPeriod()
  @ApiQuery({ name: 'groupBy', required: false, enum: ['none', 'child', 'eventType'] })
  async entryLag(@Param('unitId') unitId: string, @Query() query: RawQuery, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const format = exportFormat(query.format, accept);
    const report = await this.reports.report(assertId(unitId, 'unitId'), query);
    return this.exports.report(report, format, reply, (names) => entryLagForm(report, names));
  }

  @Get('units/:unitId/entry-lag/live')
  @Roles('supervisor', 'auditor', 'admin')
  @UnitScoped({ param: 'unitId' })
  @ApiPeriod()
  @ApiQuery({ name: 'groupBy', required: false, enum: ['none', 'child', 'eventType'] })
  @ApiProduces('text/event-stream')
  @ApiOperation({ summary: 'The entry-lag report as a live stream (Server-Sent Events): the rows again each time they change' })
  @ApiAnswer(200, 'an event-stream of `entry-lag` events, each the report as GET .../entry-lag answers it', LIVE_FRAME, 'text/event-stream')
  @ApiProblems('RATE_LIMITED', 'LIVE_STREAMS_LIMITED')
  async live(@Param('unitId') unitId: string, @Query() query: RawQuery, @CurrentPrincipal() principal: Principal, @Res() reply: FastifyReply): Promise<void> {
    const id = assertId(unitId, 'unitId');
    const p = this.liveReports.params(id, query);
    const release = this.streams.reserve(principal.name);
    try {
      await this.liveReports.ready(p);
    } catch (error) {
      release();
      throw error;
    }
    this.streams.serve(reply, this.liveReports.frames(id, p), release);
  }
}
