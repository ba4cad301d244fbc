import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { UnitScoped } from '../access/access.decorators.js';
import { Roles } from '../access/principal.js';
import { assertId } from '../common/validation.js';
import { ApiAnswer, ApiKeyRequired, ApiProblems } from '../docs/api-docs.decorators.js';
import * as ex from '../docs/examples.js';
import type { RawQuery } from '../supervision/query-params.js';
import { AttentionLists } from './attention.queries.js';

const THRESHOLDS = [
  { name: 'withinWorkingHours', required: false, description: 'soon_due: due within this many working hours from now, 1-2000, default 8' },
  { name: 'afterWorkingDays', required: false, description: 'not_returned and silent: for more than this many working days (8 office hours each), 0-250, default 5' },
];

/** What a leader's weekly review walks through (DOMAIN.md, "Attention lists"). */
@ApiTags('supervision')
@ApiKeyRequired()
@ApiProblems('VALIDATION_FAILED', 'NOT_FOUND', 'NOT_CAUGHT_UP')
@Controller()
export class AttentionController {
  constructor(private readonly lists: AttentionLists) {}

  @Get('units/:unitId/attention')
  @ApiOperation({
    summary: 'Review lists: overdue, soon due, resolved but not returned, silent; the dossiers received in the unit (or its subtree), most urgent first, each with why',
  })
  @ApiAnswer(200, 'a page of the list: items with dossierId, kind, unitId (receiving), currentUnitId (holder), status, dueAt, lastEventAt, resolvedAt, why; nextCursor unless last', ex.ATTENTION)
  @Roles('supervisor', 'auditor', 'admin')
  @UnitScoped({ param: 'unitId' })
  @ApiQuery({ name: 'kind', required: true, enum: ['overdue', 'soon_due', 'not_returned', 'silent'] })
  @ApiQuery({ name: 'scope', required: false, enum: ['self', 'subtree'], description: 'dossiers received by the unit, or by its subtree (default)' })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery(THRESHOLDS[0])
  @ApiQuery(THRESHOLDS[1])
  @ApiQuery({ name: 'minPosition', required: false, description: 'answer only once the read model includes this position (503 after timeoutMs)' })
  @ApiQuery({ name: 'timeoutMs', required: false, description: 'how long minPosition may wait, 0-30000, default 5000' })
  attention(@Param('unitId') unitId: string, @Query() query: RawQuery) {
    return this.lists.list(assertId(unitId, 'unitId'), query);
  }

  @Get('units/:unitId/attention/counts')
  @ApiOperation({ summary: 'How many dossiers are on each review list now, for the unit or its subtree' })
  @ApiAnswer(200, 'counts per kind: overdue, soon_due, not_returned, silent', ex.ATTENTION_COUNTS)
  @Roles('supervisor', 'auditor', 'admin')
  @UnitScoped({ param: 'unitId' })
  @ApiQuery({ name: 'scope', required: false, enum: ['self', 'subtree'], description: 'default subtree' })
  @ApiQuery(THRESHOLDS[0])
  @ApiQuery(THRESHOLDS[1])
  @ApiQuery({ name: 'minPosition', required: false, description: 'answer only once the read model includes this position (503 after timeoutMs)' })
  @ApiQuery({ name: 'timeoutMs', required: false, description: 'how long minPosition may wait, 0-30000, default 5000' })
  counts(@Param('unitId') unitId: string, @Query() query: RawQuery) {
    return this.lists.counts(assertId(unitId, 'unitId'), query);
  }
}
