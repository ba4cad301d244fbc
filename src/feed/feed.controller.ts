import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal, Roles } from '../access/principal.js';
import { ApiKeyRequired, ApiProblems } from '../docs/api-docs.decorators.js';
import { DEFAULT_LIMIT, MAX_LIMIT, parseFeedParams } from './feed-params.js';
import { FeedService, MAX_SCANNED } from './feed.service.js';

const LINE = {
  position: 4812,
  streamId: 'dossier-HS-2025-000123',
  type: 'DossierTransferred',
  data: { dossierId: 'HS-2025-000123', fromUnitId: 'HUYEN-AN', toUnitId: 'HUYEN-AN.XA1', transferredAt: '2025-03-03T02:00:00.000Z', calendarRevision: 1 },
  metadata: { actor: 'one-stop-gateway', occurredAt: '2025-03-03T02:00:00.000Z', recordedAt: '2025-03-03T02:00:01.250Z' },
};

/** The log for downstream systems (the national portal's synchronisation, a data warehouse). */
@ApiTags('feed')
@ApiKeyRequired()
@Controller()
export class FeedController {
  constructor(private readonly feed: FeedService) {}

  @Get('feed')
  @Roles('auditor', 'reader')
  @ApiOperation({
    summary: 'The event log in position order: NDJSON pages, or a live stream (Server-Sent Events) with Accept: text/event-stream',
    description:
      'A key for all units sees every event; a key limited to units sees the events of the dossiers received by its units (and below), nothing else. ' +
      'Resume from the last position seen (`after`, the `Feed-Next-After` header of a page, or the SSE `Last-Event-ID`): nothing is lost or repeated.',
  })
  @ApiQuery({ name: 'after', required: false, description: 'events after this position (exclusive); default 0, the beginning' })
  @ApiQuery({ name: 'limit', required: false, description: `NDJSON: events per answer, 1-${MAX_LIMIT}, default ${DEFAULT_LIMIT}` })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the SSE id (position) of the last event received: wins over `after`' })
  @ApiProduces('application/x-ndjson', 'text/event-stream')
  @ApiResponse({
    status: 200,
    description:
      `NDJSON: one \`{ position, streamId, type, data, metadata }\` per line; header \`Feed-Next-After\`: the position read to, the next page's \`after\` ` +
      `(a page examines at most ${MAX_SCANNED} events). SSE: one event per log event, \`id\` its position, \`data\` the same object.`,
    headers: { 'Feed-Next-After': { description: 'the `after` of the next page', schema: { type: 'integer' } } },
    content: {
      'application/x-ndjson': { example: JSON.stringify(LINE) + '\n' },
      'text/event-stream': { example: `id: ${LINE.position}\ndata: ${JSON.stringify(LINE)}\n\n` },
    },
  })
  @ApiProblems('VALIDATION_FAILED', 'LIVE_STREAMS_LIMITED')
  async read(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const params = parseFeedParams(query, lastEventId);
    if (accept?.includes('text/event-stream')) {
      this.feed.stream(reply, principal, params);
      return;
    }
    const page = await this.feed.page(principal, params);
    await reply.header('content-type', 'application/x-ndjson; charset=utf-8').header('feed-next-after', String(page.nextAfter)).send(page.body);
  }
}
