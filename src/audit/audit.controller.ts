import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiKeyRequired, ApiProblems } from '../docs/api-docs.decorators.js';
import { AUDIT_VERIFIED } from '../docs/examples.js';
import { Roles } from '../access/principal.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { type FieldError, validationFailed } from '../common/errors.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import type { VerificationResult } from './chain-verifier.js';
import { verifyLog } from './verify-log.js';

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
      run = verifyLog(this.store, { ...range, gapless: this.config.eventStore === 'sqlite' }).finally(() => this.running.delete(key));
      this.running.set(key, run);
    }
    return run;
  }
}

function position(value: unknown, field: string, errors: FieldError[]): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value) || Number(value) < 1) {
    errors.push({ field, message: `${field} must be a position, an integer from 1` });
    return undefined;
  }
  return Number(value);
}
