/**
 * OpenAPI decorators shared by the controllers, so that each route states in a line or two what it
 * answers: its problems by error code (grouped by status, each with a real example built by the
 * same function the exception filter uses), its success answer with an example, and a request body
 * with examples.
 */
import { applyDecorators, type Type } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, type ApiBodyOptions, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { AppError, type ErrorCode, type FieldError, STATUS_BY_CODE } from '../common/errors.js';
import { toProblem } from '../common/problem.filter.js';

/** The name of the security scheme every keyed route uses (declared in api-docs.ts). */
export const BEARER = 'bearer';

export class ProblemFieldError implements FieldError {
  @ApiProperty({ example: 'occurredAt' })
  field: string;
  @ApiProperty({ example: 'occurredAt must be an ISO 8601 instant with an offset, e.g. 2025-03-03T09:00:00+07:00' })
  message: string;
}

/** The body of every error answer (application/problem+json), as problem.filter.ts builds it. */
export class Problem {
  @ApiProperty({ example: 'urn:problem:not-found' })
  type: string;
  @ApiProperty({ example: 'Not found' })
  title: string;
  @ApiProperty({ type: 'integer', example: 404 })
  status: number;
  @ApiProperty({ example: 'dossier HS-2025-000123 was not found' })
  detail: string;
  @ApiProperty({ enum: Object.keys(STATUS_BY_CODE), description: 'stable: clients branch on it, never on title or detail' })
  code: ErrorCode;
  @ApiPropertyOptional({ type: [ProblemFieldError], description: 'the offending fields (VALIDATION_FAILED)' })
  errors?: ProblemFieldError[];
}

/** A typical detail per code, for the examples (the titles are the service's own). */
const EXAMPLE_DETAIL: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'occurredAt: occurredAt must be an ISO 8601 instant with an offset, e.g. 2025-03-03T09:00:00+07:00',
  UNAUTHENTICATED: 'send an API key as "Authorization: Bearer <key>"',
  FORBIDDEN: 'this key may not do that (role or units)',
  NOT_FOUND: 'dossier HS-2025-000123 was not found',
  ILLEGAL_TRANSITION: 'a resolved dossier cannot be transferred',
  DUPLICATE_DOSSIER: 'dossier HS-2025-000123 was already received',
  CONCURRENCY_CONFLICT: 'the dossier was changed by another request at the same time; retry',
  IDEMPOTENCY_KEY_REUSED: 'this Idempotency-Key was used with another request',
  REVISION_MISMATCH: 'the dossier is at revision 3, not 2',
  PAYLOAD_TOO_LARGE: 'the request body is too large',
  REQUEST_TIMEOUT: 'the request was not received in time',
  URI_TOO_LONG: 'a path segment of the URL is too long',
  HEADERS_TOO_LARGE: 'the request headers are too large',
  UNSUPPORTED_MEDIA_TYPE: 'send the body as application/json',
  RATE_LIMITED: 'too many requests; retry after 12 s',
  LIVE_STREAMS_LIMITED: 'this key already holds 4 live streams',
  AS_OF_LIMITED: '2 as-of reports are being computed; retry in 4 s',
  INTERNAL: 'an internal error occurred; it has been logged',
  NOT_CAUGHT_UP: 'the read models are at position 120, not yet at 125',
  UNAVAILABLE: 'the event store does not answer',
  STORE_UNAVAILABLE: 'the event log cannot be written right now (disk full or I/O error); the request was not acknowledged: retry later',
};

function problemExample(code: ErrorCode) {
  const errors = code === 'VALIDATION_FAILED' ? [{ field: 'occurredAt', message: EXAMPLE_DETAIL.VALIDATION_FAILED.replace(/^occurredAt: /, '') }] : undefined;
  return toProblem(new AppError(code, EXAMPLE_DETAIL[code], errors)).body;
}

/**
 * The problem+json answers of a route (or of every route of a controller), by error code:
 * `@ApiProblems('VALIDATION_FAILED', 'NOT_FOUND')`. Codes sharing a status are one response with
 * an example each.
 */
export function ApiProblems(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(STATUS_BY_CODE[code], [...(byStatus.get(STATUS_BY_CODE[code]) ?? []), code]);
  return applyDecorators(
    ...[...byStatus].map(([status, shared]) =>
      ApiResponse({
        status,
        description: shared.map((c) => `\`${c}\`: ${new AppError(c, '').title}`).join('; '),
        content: {
          'application/problem+json': {
            schema: { $ref: getSchemaPath(Problem) },
            examples: Object.fromEntries(shared.map((c) => [c, { summary: new AppError(c, '').title, value: problemExample(c) }])),
          },
        },
      }),
    ),
  );
}

/** On a controller whose every route needs a key: the bearer scheme and what any keyed request may meet. */
export const ApiKeyRequired = () => applyDecorators(ApiBearerAuth(BEARER), ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED'));

/** The success answer of a route, with an example (JSON unless another media type is given). */
export function ApiAnswer(status: number, description: string, example: unknown, mediaType = 'application/json') {
  return ApiResponse({ status, description, content: { [mediaType]: { example } } });
}

/** The JSON request body of a command, validated by `type`, with examples by name. */
export function ApiExampleBody(type: Type<unknown>, examples: Record<string, unknown>) {
  const named = Object.fromEntries(Object.entries(examples).map(([name, value]) => [name, { value }]));
  // (ApiBody's type omits `examples` beside `type`, though it passes them through to the document.)
  return ApiBody({ type, required: true, examples: named } as ApiBodyOptions);
}

/** What any route taking a JSON body may answer before it runs. */
export const BODY_PROBLEMS: ErrorCode[] = ['VALIDATION_FAILED', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'];
