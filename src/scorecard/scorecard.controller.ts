import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { QueryRoles, UnitScoped } from '../access/access.decorators.js';
import { Roles } from '../access/principal.js';
import { assertId } from '../common/validation.js';
import { ApiKeyRequired, ApiProblems } from '../docs/api-docs.decorators.js';
import { ApiReportAnswer } from '../supervision/export/api-export.decorators.js';
import { exportFormat } from '../supervision/export/export-format.js';
import type { RawQuery } from '../supervision/query-params.js';
import { SCORECARD } from './scorecard-example.js';
import { ReportExports } from '../supervision/export/report-exports.js';
import { scorecardForm } from './scorecard-form.js';
import { ScorecardQueries } from './scorecard-queries.js';

/** The scorecard (DOMAIN.md, "Targets and the national scoring"), read like the standard report. */
@ApiTags('scorecard')
@ApiKeyRequired()
@Controller()
export class ScorecardController {
  constructor(
    private readonly queries: ScorecardQueries,
    private readonly exports: ReportExports,
  ) {}

  @Get('units/:unitId/scorecard')
  @ApiOperation({ summary: "A unit's scorecard over a period: on-time rate, online and digitised shares, the 766 progress indicator, each against its target, ranked among siblings" })
  @ApiReportAnswer('the rows, the targets and the formulas', SCORECARD, scorecardForm, 'the scorecard')
  @Roles('supervisor', 'auditor', 'admin')
  @QueryRoles('asOf', 'auditor', 'admin')
  @UnitScoped({ param: 'unitId' })
  @ApiQuery({ name: 'from', required: false, description: 'instant with offset; default 1 January (+07:00) of the current year' })
  @ApiQuery({ name: 'to', required: false, description: 'instant with offset, exclusive; default now' })
  @ApiQuery({ name: 'scope', required: false, enum: ['self', 'subtree'], description: 'default subtree' })
  @ApiQuery({ name: 'groupBy', required: false, enum: ['none', 'child'], description: 'none (default): the unit, ranked among its siblings; child: a row per child, ranked among them' })
  @ApiQuery({ name: 'asOf', required: false, description: 'auditors: as known at this instant (events recorded by then)' })
  @ApiQuery({ name: 'minPosition', required: false, description: 'answer only once the read models include this position (503 after timeoutMs)' })
  @ApiQuery({ name: 'timeoutMs', required: false, description: 'how long minPosition may wait, 0-30000, default 5000' })
  @ApiProblems('VALIDATION_FAILED', 'NOT_FOUND', 'NOT_CAUGHT_UP', 'AS_OF_LIMITED')
  async scorecard(@Param('unitId') unitId: string, @Query() query: RawQuery, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const format = exportFormat(query.format, accept);
    const report = await this.queries.scorecard(assertId(unitId, 'unitId'), query);
    return this.exports.report(report, format, reply, (names) => scorecardForm(report, names));
  }
}
