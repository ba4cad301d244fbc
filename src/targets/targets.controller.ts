import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, Roles } from '../access/principal.js';
import { ApiAnswer, ApiExampleBody, ApiKeyRequired, ApiProblems, BODY_PROBLEMS } from '../docs/api-docs.decorators.js';
import { PutTargetsBody } from './targets.dto.js';
import { type CurrentTargets, TargetsService } from './targets.service.js';

const TARGETS_EXAMPLE = {
  onTimeRate: 0.98,
  onlineShare: 0.6,
  digitizedShare: 0.8,
  resultDigitizedShare: 0.8,
  progressIndicator: 0.98,
  revision: 0,
  setAt: '2026-12-01T02:00:00.000Z',
  setBy: 'admin',
};

/** The province's targets for the scorecard: admins set them, every reader of reports reads them. */
@ApiTags('scorecard')
@ApiKeyRequired()
@Controller('targets')
export class TargetsController {
  constructor(private readonly targets: TargetsService) {}

  @Put()
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Set the targets of the scorecard (admin); a target left out takes its default' })
  @ApiExampleBody(PutTargetsBody, { province: { onTimeRate: 0.98, onlineShare: 0.6, digitizedShare: 0.8 } })
  @ApiAnswer(200, 'the targets in force', TARGETS_EXAMPLE)
  @ApiProblems(...BODY_PROBLEMS, 'STORE_UNAVAILABLE')
  async put(@Body() body: PutTargetsBody, @CurrentPrincipal() who: Principal) {
    return show(await this.targets.put(body as Record<string, unknown>, { actor: who.name }));
  }

  @Get()
  @Roles('supervisor', 'auditor', 'admin')
  @ApiOperation({ summary: 'The targets in force (98% on time, 50% online, 80% digitised until set)' })
  @ApiAnswer(200, 'the targets in force', TARGETS_EXAMPLE)
  get() {
    return show(this.targets.get());
  }
}

const show = (c: CurrentTargets) => ({ ...c.targets, revision: c.revision, ...(c.setAt ? { setAt: c.setAt, setBy: c.setBy } : {}) });
