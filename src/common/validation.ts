import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldError, validationFailed } from './errors.js';

/** Ids of units, procedures and dossiers (API.md). */
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Validates bodies and queries with class-validator; unknown fields are refused, not ignored. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validateCustomDecorators: false,
    exceptionFactory: (errors) => validationFailed(flatten(errors)),
  });
}

/** Throws VALIDATION_FAILED unless the path parameter is a well-formed id. */
export function assertId(value: string, field: string): string {
  if (!ID_PATTERN.test(value)) throw validationFailed([{ field, message: `${field} must match [A-Za-z0-9._-]{1,64}` }]);
  return value;
}
