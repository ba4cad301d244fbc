import { hash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { validationFailed } from '../../common/errors.js';
import { instantRangeError } from '../../common/instant-range.js';
import type { CommandOptions } from './execute-dossier-command.js';

/** Idempotency-Key, If-Match and correlation headers of a command request. */
export function commandOptions(request: FastifyRequest): CommandOptions {
  const options: CommandOptions = {};
  const key = header(request, 'idempotency-key');
  if (key !== undefined) {
    if (key.length === 0 || key.length > 200) {
      throw validationFailed([{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1 to 200 characters' }]);
    }
    options.idempotencyKey = key;
    options.requestHash = hash('sha256', `${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`, 'hex');
  }
  const ifMatch = header(request, 'if-match');
  if (ifMatch !== undefined) {
    // Accept 3, "3" and W/"3": ETag-style quoting is what HTTP clients tend to send.
    const m = /^(?:W\/)?"?(\d{1,15})"?$/.exec(ifMatch.trim());
    if (!m) throw validationFailed([{ field: 'If-Match', message: 'If-Match must be a dossier revision number' }]);
    options.ifMatch = Number(m[1]);
  }
  const correlationId = header(request, 'x-correlation-id');
  if (correlationId !== undefined && /^[\x21-\x7e]{1,128}$/.test(correlationId)) options.correlationId = correlationId;
  return options;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Parses an instant already checked by the DTO's pattern; impossible calendar dates, and instants
 * outside 2000-2100 (instant-range.ts), are refused here. The decider checks "not after now".
 */
export function instant(value: string, field: string): number {
  const ms = Date.parse(value);
  const [, y, mo, d] = /^(\d{4})-(\d{2})-(\d{2})/.exec(value) ?? [];
  const probe = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (Number.isNaN(ms) || probe.getUTCMonth() !== Number(mo) - 1 || probe.getUTCDate() !== Number(d)) {
    throw validationFailed([{ field, message: `${field} is not a valid instant` }]);
  }
  const outOfRange = instantRangeError(ms, field);
  if (outOfRange) throw validationFailed([outOfRange]);
  return ms;
}
