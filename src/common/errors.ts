/**
 * Typed errors shared by the domain and the HTTP edge. Domain code throws these (no Nest import);
 * the one exception filter maps each `code` to its HTTP status and a problem+json body.
 */
export interface FieldError {
  field: string;
  message: string;
}

export const STATUS_BY_CODE = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ILLEGAL_TRANSITION: 409,
  DUPLICATE_DOSSIER: 409,
  CONCURRENCY_CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  REVISION_MISMATCH: 412,
  PAYLOAD_TOO_LARGE: 413,
  REQUEST_TIMEOUT: 408,
  URI_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  LIVE_STREAMS_LIMITED: 429,
  AS_OF_LIMITED: 429,
  INTERNAL: 500,
  NOT_CAUGHT_UP: 503,
  UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

const TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is not valid',
  UNAUTHENTICATED: 'A valid API key is required',
  FORBIDDEN: 'Not allowed for this key',
  NOT_FOUND: 'Not found',
  ILLEGAL_TRANSITION: 'The dossier cannot do that in its current state',
  DUPLICATE_DOSSIER: 'A dossier with this id was already received',
  CONCURRENCY_CONFLICT: 'Someone else changed the dossier at the same time; retry',
  IDEMPOTENCY_KEY_REUSED: 'This Idempotency-Key was used with another request',
  REVISION_MISMATCH: 'The dossier has moved on from the given revision',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  REQUEST_TIMEOUT: 'The request was not received in time',
  URI_TOO_LONG: 'The URL is too long',
  HEADERS_TOO_LARGE: 'The request headers are too large',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be application/json',
  RATE_LIMITED: 'Too many requests',
  LIVE_STREAMS_LIMITED: 'Too many live streams open; close one first',
  AS_OF_LIMITED: 'As many as-of reports are being computed as the service computes at once; retry later',
  INTERNAL: 'Internal error',
  NOT_CAUGHT_UP: 'The read model has not caught up with the requested position yet',
  UNAVAILABLE: 'The service is not available right now',
  STORE_UNAVAILABLE: 'The event log cannot be written right now',
};

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    /** Extra response headers (Retry-After, ...). */
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.name = 'AppError';
  }

  get status(): number {
    return STATUS_BY_CODE[this.code];
  }

  get title(): string {
    return TITLES[this.code];
  }
}

export const validationFailed = (errors: FieldError[], detail?: string) =>
  new AppError('VALIDATION_FAILED', detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} was not found`);
