import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { UnitScoped } from '../access/access.decorators.js';
import { assertId } from '../common/validation.js';
import { INSTANT } from '../dossier/integrator-commands/dossier.dto.js';
import { exportBundle } from './bundle.js';
import { ApiAnswer, ApiKeyRequired, ApiProblems } from '../docs/api-docs.decorators.js';
import { AUDIT_BUNDLE, AUDIT_VERIFIED } from '../docs/examples.js';
import { Roles } from '../access/principal.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { type FieldError, validationFailed } from '../common/errors.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import type { VerificationResult } from './chain-verifier.js';
import { verifyStore } from './verify-in-worker.js';

/** The tamper-evident log's verification (issue 26): the hash chains and seals recomputed from the store. */
@ApiTags('audit')
@ApiKeyRequired()
@Controller('audit')
export class AuditController {
  /** Verifications under way by range: a second request for the same range waits for the first's answer. */
  private readonly running = new Map<string, Promise<VerificationResult>>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('verify')
  @Roles('auditor', 'admin')
  @ApiOperation({
    summary: 'Recompute the hash chain of every event and the seals of the log; name the first position where they do not hold',
    description:
      'Reads the log in pages (other requests are answered meanwhile). `from` is rounded down to the start of the sealed range that holds it. ' +
      '`chainStartsAt`: the first event with a hash (events before it were written before the chain existed, and are counted in `unchained`).',
  })
  @ApiQuery({ name: 'from', required: false, description: 'first position to verify (default 1)' })
  @ApiQuery({ name: 'to', required: false, description: 'last position to verify (default: the head)' })
  @ApiAnswer(200, 'the verification: `verified` false names `firstBadPosition` and the `problem`', AUDIT_VERIFIED)
  @ApiProblems('VALIDATION_FAILED')
  verify(@Query('from') from?: unknown, @Query('to') to?: unknown): Promise<VerificationResult> {
    const errors: FieldError[] = [];
    const range = { from: position(from, 'from', errors), to: position(to, 'to', errors) };
    if (range.from !== undefined && range.to !== undefined && range.from > range.to) errors.push({ field: 'to', message: 'to must not be before from' });
    if (errors.length > 0) throw validationFailed(errors);
    const key = `${range.from ?? ''}-${range.to ?? ''}`;
    let run = this.running.get(key);
    if (run === undefined) {
      run = verifyStore(this.store, { ...range, gapless: this.config.eventStore === 'sqlite' })
        .then(({ thread: _thread, ...result }) => result)
        .finally(() => this.running.delete(key));
      this.running.set(key, run);
    }
    return run;
  }

  @Get('export/:unitId')
  @Roles('auditor', 'admin')
  @UnitScoped({ param: 'unitId' })
  @ApiOperation({
    summary: 'An audit bundle (NDJSON) of the dossiers a unit received in a period, checkable offline (`npm run audit -- verify --bundle`)',
    description:
      'Line 1 is the header; then, between the seal before the first exported event and the seal after the last, every position of the log: ' +
      'the full event (with its hash) for the unit\'s dossiers and the seals, the hash alone for the others.',
  })
  @ApiQuery({ name: 'from', required: true, description: 'instant with offset: dossiers received from then' })
  @ApiQuery({ name: 'to', required: true, description: 'instant with offset, exclusive' })
  @ApiProduces('application/x-ndjson')
  @ApiAnswer(200, 'the bundle, one JSON value per line', AUDIT_BUNDLE, 'application/x-ndjson')
  @ApiProblems('VALIDATION_FAILED')
  exportBundle(@Param('unitId') unitId: string, @Res() reply: FastifyReply, @Query('from') from?: unknown, @Query('to') to?: unknown): void {
    const errors: FieldError[] = [];
    const period = { from: instantOf(from, 'from', errors), to: instantOf(to, 'to', errors) };
    if (period.from !== undefined && period.to !== undefined && period.from >= period.to) errors.push({ field: 'to', message: 'to must be after from' });
    if (errors.length > 0) throw validationFailed(errors);
    const lines = exportBundle(this.store, { unitId: assertId(unitId, 'unitId'), from: period.from!, to: period.to!, gapless: this.config.eventStore === 'sqlite' });
    const text = async function* () {
      for await (const line of lines) yield `${JSON.stringify(line)}\n`;
    };
    void reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(text()));
  }
}

function instantOf(value: unknown, field: string, errors: FieldError[]): number | undefined {
  const ms = typeof value === 'string' && INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) errors.push({ field, message: `${field} must be an ISO 8601 instant with an offset, e.g. 2025-03-01T00:00:00+07:00` });
  return Number.isNaN(ms) ? undefined : ms;
}

function position(value: unknown, field: string, errors: FieldError[]): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value) || Number(value) < 1) {
    errors.push({ field, message: `${field} must be a position, an integer from 1` });
    return undefined;
  }
  return Number(value);
}
