import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, STATUS_BY_CODE } from './errors.js';
import {
  AppendTooLargeError,
  EventStoreUnavailableError,
  EventStoreWriteError,
  StreamDeletedError,
  WrongExpectedRevisionError,
} from '../event-store/errors.js';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
}

/** Maps anything thrown to an application/problem+json answer; internals never leave the process. */
export function toProblem(error: unknown): { body: ProblemBody; headers: Record<string, string> } {
  const app = toAppError(error);
  return {
    body: {
      type: `urn:problem:${app.code.toLowerCase().replace(/_/g, '-')}`,
      title: app.title,
      status: app.status,
      detail: app.detail,
      code: app.code,
      ...(app.errors ? { errors: app.errors } : {}),
    },
    headers: app.headers ?? {},
  };
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof WrongExpectedRevisionError) {
    return new AppError('CONCURRENCY_CONFLICT', 'the dossier was changed by another request at the same time; retry');
  }
  if (error instanceof EventStoreUnavailableError) return new AppError('UNAVAILABLE', 'the event store does not answer');
  if (error instanceof EventStoreWriteError) {
    // The disk is full or failing: the request was not acknowledged, and the same one may be sent again later.
    return new AppError('STORE_UNAVAILABLE', 'the event log cannot be written right now (disk full or I/O error); the request was not acknowledged: retry later', undefined, { 'Retry-After': '5' });
  }
  // Deleted out of band (an operator's tombstone): gone for good, so retrying cannot help.
  if (error instanceof StreamDeletedError) return new AppError('NOT_FOUND', 'its events were deleted from the event store; this id cannot be used again');
  if (error instanceof AppendTooLargeError) {
    return new AppError('PAYLOAD_TOO_LARGE', 'the events of this request are larger than the event store takes in one append; nothing was appended');
  }
  if (error instanceof HttpException) return fromStatus(error.getStatus(), error.message);
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  // Fastify's own errors (broken JSON, body too large, wrong content type) carry a statusCode.
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    }
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('PAYLOAD_TOO_LARGE', 'the request body is too large');
    // Fastify's messages for these quote the URL: never echoed.
    if (e.code === 'FST_ERR_BAD_URL') return new AppError('VALIDATION_FAILED', 'the URL is not valid (malformed percent-encoding)', []);
    if (e.code === 'FST_ERR_MAX_PARAM_LENGTH') return new AppError('URI_TOO_LONG', 'a path segment of the URL is too long');
    if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new AppError('VALIDATION_FAILED', 'the JSON body is empty', []);
    if (typeof e.code === 'string' && e.code.startsWith('FST_ERR_CTP')) {
      return new AppError('VALIDATION_FAILED', 'the body is not valid JSON', []);
    }
    return fromStatus(e.statusCode, typeof e.message === 'string' ? e.message : 'bad request');
  }
  return new AppError('INTERNAL', 'an internal error occurred; it has been logged');
}

function fromStatus(status: number, message: string): AppError {
  const code = (Object.keys(STATUS_BY_CODE) as ErrorCode[]).find((c) => STATUS_BY_CODE[c] === status);
  if (status === 404) return new AppError('NOT_FOUND', 'no such route');
  if (code && status < 500) return new AppError(code, message);
  return new AppError('INTERNAL', 'an internal error occurred; it has been logged');
}

export function sendProblem(reply: FastifyReply, error: unknown): void {
  const { body, headers } = toProblem(error);
  if (body.status >= 500 && body.code === 'INTERNAL') {
    new Logger('Problem').error(error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error));
  }
  void reply.status(body.status).headers(headers).type('application/problem+json').send(JSON.stringify(body));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    void ctx.getRequest<FastifyRequest>();
    sendProblem(reply, exception);
  }
}
