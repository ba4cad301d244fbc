import { Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { UnitScoped } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal, Roles } from '../access/principal.js';
import { AppError } from '../common/errors.js';
import { readRawBody } from '../common/raw-bodies.js';
import { assertId } from '../common/validation.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { ApiAnswer, ApiKeyRequired, ApiProblems } from '../docs/api-docs.decorators.js';
import type { RawQuery } from '../supervision/query-params.js';
import { RECONCILIATION_EXAMPLE, REGISTER_CSV_EXAMPLE, REGISTER_JSON_EXAMPLE, REGISTER_SCHEMA } from './reconciliation-examples.js';
import { parseListParams, parseReconcileParams } from './reconciliation-params.js';
import { type RegisterInput, Reconciliations } from './reconciliations.js';

/** The route whose CSV bodies arrive unparsed (raw-bodies.ts), as Fastify names it. */
export const RECONCILIATIONS_ROUTE = '/units/:unitId/reconciliations';
export const REGISTER_MEDIA_TYPES = ['text/csv', 'application/json'] as const;
/** Route config read by app.ts: the route's JSON body may be as large as REGISTER_BODY_LIMIT_BYTES. */
export const REGISTER_BODY = { bodyLimit: 'register' } as const;

/** A unit's register compared with the system (DOMAIN.md, "Reconciliation"), recorded, and read back. */
@ApiTags('reconciliation')
@ApiKeyRequired()
@ApiProblems('VALIDATION_FAILED', 'NOT_FOUND')
@UnitScoped({ param: 'unitId' })
@Controller('units/:unitId/reconciliations')
export class ReconciliationsController {
  constructor(
    private readonly reconciliations: Reconciliations,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @RouteConfig(REGISTER_BODY)
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: "Reconcile a unit's register with the system: the differences, recorded as an event" })
  @ApiConsumes(...REGISTER_MEDIA_TYPES)
  @ApiBody({
    description: 'the register: CSV with a header row (mã hồ sơ / dossierId, trạng thái / status, ngày nhận / receivedAt, ngày giải quyết / resolvedAt, ngày trả kết quả / returnedAt; dates dd/MM/yyyy HH:mm local or ISO 8601), or a JSON array',
    schema: REGISTER_SCHEMA,
    examples: { csv: { value: REGISTER_CSV_EXAMPLE }, json: { value: REGISTER_JSON_EXAMPLE } },
  })
  @ApiQuery({ name: 'toleranceMinutes', required: false, description: 'instants differing by more than this are differences; 0-10080, default 1' })
  @ApiQuery({ name: 'from', required: false, description: 'with `to`: the receipt span searched for dossiers missing from the register; default the local days of the register\'s first to last receipt date' })
  @ApiQuery({ name: 'to', required: false, description: 'exclusive; with `from`' })
  @ApiQuery({ name: 'minPosition', required: false, description: 'compare only once the read models include this position (503 after timeoutMs)' })
  @ApiQuery({ name: 'timeoutMs', required: false })
  @ApiAnswer(201, 'the counts and the differences (the first 2,000), as recorded', RECONCILIATION_EXAMPLE)
  @ApiProblems('PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'NOT_CAUGHT_UP')
  async reconcile(
    @Param('unitId') unitId: string,
    @Query() query: RawQuery,
    @Req() request: FastifyRequest,
    @CurrentPrincipal() who: Principal,
    @Headers('x-correlation-id') correlationId: string | undefined,
  ) {
    const id = assertId(unitId, 'unitId');
    const params = parseReconcileParams(query);
    const input = await this.register(request);
    const correlation = correlationId !== undefined && /^[\x21-\x7e]{1,128}$/.test(correlationId) ? correlationId : undefined;
    return this.reconciliations.reconcile(id, input, params, who, correlation);
  }

  @Get()
  @Roles('supervisor', 'auditor', 'admin')
  @ApiOperation({ summary: "A unit's reconciliations, newest first (without their differences)" })
  @ApiQuery({ name: 'limit', required: false, description: '1-100, default 20' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiAnswer(200, 'a page of reconciliations and the cursor of the next', { items: [(({ differences: _, ...summary }) => summary)(RECONCILIATION_EXAMPLE)], nextCursor: null })
  list(@Param('unitId') unitId: string, @Query() query: RawQuery) {
    const p = parseListParams(query);
    return this.reconciliations.list(assertId(unitId, 'unitId'), p.limit, p.before);
  }

  @Get(':reconciliationId')
  @Roles('supervisor', 'auditor', 'admin')
  @ApiOperation({ summary: 'One reconciliation of the unit, with its recorded differences' })
  @ApiParam({ name: 'reconciliationId', description: 'as POST answered it' })
  @ApiAnswer(200, 'the reconciliation as recorded', RECONCILIATION_EXAMPLE)
  get(@Param('unitId') unitId: string, @Param('reconciliationId') reconciliationId: string) {
    return this.reconciliations.get(assertId(unitId, 'unitId'), assertId(reconciliationId, 'reconciliationId'));
  }

  /** The register in the body: CSV read here with its own limit, JSON as the JSON parser left it. */
  private async register(request: FastifyRequest): Promise<RegisterInput> {
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const limit = this.config.registerBodyLimitBytes;
    if (type === 'text/csv') {
      if (Number(request.headers['content-length']) > limit) throw tooLarge(limit);
      return { format: 'csv', file: await readRawBody(request.body, limit, () => tooLarge(limit)) };
    }
    if (type === 'application/json') return { format: 'json', body: request.body, file: Buffer.from(JSON.stringify(request.body ?? null)) };
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `send the register as text/csv or application/json, not ${type || 'no content type'}`);
  }
}

const tooLarge = (limit: number) => new AppError('PAYLOAD_TOO_LARGE', `the register is larger than ${limit} bytes (REGISTER_BODY_LIMIT_BYTES); split it by period`);
