import { Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiKeyRequired, ApiProblems } from '../docs/api-docs.decorators.js';
import { PROJECTION_STATUS, REBUILD_DONE, REBUILD_RUNNING } from '../docs/examples.js';
import { Roles } from '../access/principal.js';
import { validationFailed } from '../common/errors.js';
import { Projector } from './projector.js';

@ApiTags('projections')
@ApiKeyRequired()
@Controller('projections')
export class ProjectionsController {
  constructor(private readonly projector: Projector) {}

  /** Checkpoint, head of the log, lag, and the state of the last rebuild. */
  @Get('status')
  @Roles('auditor', 'admin')
  @ApiOperation({ summary: 'Progress of the read models: checkpoint, head, lag, last rebuild, quarantined events' })
  @ApiAnswer(200, 'the projection status', PROJECTION_STATUS)
  status() {
    return this.projector.status();
  }

  /**
   * Replays the whole log into fresh read models and swaps them in; queries keep answering from the
   * current ones meanwhile. 202 at once, or 200 with the figures with `wait=true`.
   */
  @Post('rebuild')
  @Roles('admin')
  @HttpCode(202)
  @ApiQuery({ name: 'wait', required: false, enum: ['true', 'false'] })
  @ApiOperation({ summary: 'Rebuild the read models from the log, answering from the current ones meanwhile (admin)' })
  @ApiAnswer(202, 'started', REBUILD_RUNNING)
  @ApiAnswer(200, 'done (with wait=true)', REBUILD_DONE)
  @ApiProblems('VALIDATION_FAILED')
  async rebuild(@Res({ passthrough: true }) reply: FastifyReply, @Query('wait') wait?: string) {
    if (wait !== undefined && wait !== 'true' && wait !== 'false') {
      throw validationFailed([{ field: 'wait', message: 'wait must be true or false' }]);
    }
    // The connection is idle until the rebuild ends (minutes at millions of dossiers): the idle
    // timeout (CONNECTION_TIMEOUT_MS) would cut it, so it is lifted for this one, before the
    // rebuild's start takes the thread.
    if (wait === 'true') reply.raw.socket?.setTimeout(0);
    const running = this.projector.rebuild();
    if (wait === 'true') {
      const done = await running;
      void reply.status(200);
      return { status: 'done', ...done };
    }
    running.catch(() => undefined); // reported by the status endpoint and the log
    return { status: 'running', ...(await this.projector.status()).rebuild };
  }
}
