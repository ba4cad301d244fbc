import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiKeyRequired, ApiProblems } from '../docs/api-docs.decorators.js';
import * as ex from '../docs/examples.js';
import type { FastifyReply } from 'fastify';
import { QueryRoles, UnitScoped } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal, Roles } from '../access/principal.js';
import { assertId } from '../common/validation.js';
import type { RawQuery } from './query-params.js';
import { LiveReports } from './live-reports.js';
import { LiveStreams } from './live-streams.js';
import { type StepReport, SupervisionQueries, type TimelinessReport } from './supervision-queries.js';
import { ApiReportAnswer } from './export/api-export.decorators.js';
import { exportFormat } from './export/export-format.js';
import { stepsForm, timelinessForm } from './export/form-table.js';
import { ReportExports } from './export/report-exports.js';
import { ApiPeriod } from './api-period.js';

/** Per-unit reports (DOMAIN.md, "The standard report"), their live stream, and step timeliness. */
@ApiTags('supervision')
@ApiKeyRequired()
@ApiProblems('VALIDATION_FAILED', 'NOT_FOUND', 'NOT_CAUGHT_UP')
@Controller()
export class SupervisionController {
  constructor(
    private readonly queries: SupervisionQueries,
    private readonly liveReports: LiveReports,
    private readonly liveStreams: LiveStreams,
    private readonly exports: ReportExports,
  ) {}

  @Get('units/:unitId/timeliness')
  @ApiOperation({ summary: "A unit's timeliness report over a period (the standard report), by procedure or child unit" })
  @ApiReportAnswer('the report rows', ex.TIMELINESS as TimelinessReport, timelinessForm, 'Form II.06a')
  @Roles('supervisor', 'auditor', 'admin')
  @QueryRoles('asOf', 'auditor', 'admin')
  @UnitScoped({ param: 'unitId' })
  @ApiPeriod()
  @ApiQuery({ name: 'groupBy', required: false, enum: ['none', 'procedure', 'child'] })
  @ApiQuery({ name: 'asOf', required: false, description: 'auditors: as known at this instant (events recorded by then)' })
  @ApiProblems('AS_OF_LIMITED')
  async timeliness(@Param('unitId') unitId: string, @Query() query: RawQuery, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const format = exportFormat(query.format, accept);
    return this.exports.timeliness(await this.queries.timeliness(assertId(unitId, 'unitId'), query), format, reply);
  }

  @Get('units/:unitId/timeliness/live')
  @Roles('supervisor', 'auditor', 'admin')
  @UnitScoped({ param: 'unitId' })
  @ApiPeriod()
  @ApiQuery({ name: 'groupBy', required: false, enum: ['none', 'procedure', 'child'] })
  @ApiProduces('text/event-stream')
  @ApiOperation({ summary: 'The timeliness report as a live stream (Server-Sent Events): the row again each time it changes' })
  @ApiAnswer(200, 'an event-stream of `timeliness` events, each the report as GET .../timeliness answers it', ex.LIVE_FRAME, 'text/event-stream')
  @ApiProblems('RATE_LIMITED', 'LIVE_STREAMS_LIMITED')
  async live(
    @Param('unitId') unitId: string,
    @Query() query: RawQuery,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const id = assertId(unitId, 'unitId');
    const p = this.liveReports.params(id, query);
    const release = this.liveStreams.reserve(principal.name);
    try {
      await this.liveReports.ready(p);
    } catch (error) {
      release();
      throw error;
    }
    this.liveStreams.serve(reply, this.liveReports.frames(id, p), release);
  }

  @Get('units/:unitId/steps')
  @ApiOperation({ summary: 'Step timeliness of every unit that handled steps of the dossiers of a unit' })
  @ApiReportAnswer('one row per unit', ex.STEPS as StepReport, stepsForm, 'a table of the step report')
  @Roles('supervisor', 'auditor', 'admin')
  @UnitScoped({ param: 'unitId' })
  @ApiPeriod()
  async steps(@Param('unitId') unitId: string, @Query() query: RawQuery, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const format = exportFormat(query.format, accept);
    return this.exports.steps(await this.queries.steps(assertId(unitId, 'unitId'), query), format, reply);
  }

  @Get('dossiers')
  @ApiOperation({ summary: 'A page of dossiers, filtered by unit, status or overdue' })
  @ApiAnswer(200, 'the page and the cursor of the next', ex.DOSSIER_PAGE)
  @Roles('supervisor', 'auditor', 'admin')
  @UnitScoped({ query: 'unitId' })
  @ApiQuery({ name: 'unitId', required: false, description: 'received by this unit (or below it, with scope=subtree, the default)' })
  @ApiQuery({ name: 'scope', required: false, enum: ['self', 'subtree'] })
  @ApiQuery({ name: 'currentUnitId', required: false, description: 'held by this unit now' })
  @ApiQuery({ name: 'status', required: false, enum: ['received', 'awaiting_supplement', 'resolved', 'returned', 'withdrawn'] })
  @ApiQuery({ name: 'overdue', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'minPosition', required: false })
  list(@Query() query: RawQuery, @CurrentPrincipal() principal: Principal) {
    return this.queries.list(query, principal);
  }
}
