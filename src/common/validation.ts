import { type ArgumentMetadata, type PipeTransform, ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldError, validationFailed } from './errors.js';
import { compileFlatDto, type FlatDto } from './flat-dto-validator.js';

/** Ids of units, procedures and dossiers (API.md). */
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * Nest's ValidationPipe (class-transformer, then class-validator, whitelist) with a shortcut for
 * the common case, a command body: a plain JSON object of primitives for a DTO class of
 * primitives. There it does what the full path does (strip `__proto__` / `prototype` /
 * `constructor` from the body, copy its keys onto a new instance as `plainToInstance` does,
 * validate with the class's class-validator constraints, throw the same errors) without the
 * class-transformer round trip, the per-call metadata look-ups or a promise. Parameters and
 * queries typed as primitives or left untyped are converted as Nest does, without a promise.
 * Anything else (nested values, arrays, classes with nested or async rules) takes the full path.
 */
export class CommandValidationPipe extends ValidationPipe {
  private readonly compiled = new Map<Function, FlatDto | null>();

  constructor(private readonly toError: (errors: ValidationError[]) => unknown) {
    super({ ...FULL_OPTIONS, exceptionFactory: toError });
  }

  /** Synchronous on the shortcut and for primitives; the full path answers a promise, which Nest awaits. */
  override transform(value: unknown, metadata: ArgumentMetadata): any {
    const metatype = metadata.metatype;
    if (!metatype || !this.toValidate(metadata)) return this.transformPrimitive(value, metadata);
    if (metadata.type === 'body' && isFlatPlainObject(value)) {
      const dto = this.flatDto(metatype);
      if (dto) return this.validateFlat(dto, value);
    }
    return super.transform(value, metadata);
  }

  private flatDto(metatype: Function): FlatDto | undefined {
    let dto = this.compiled.get(metatype);
    if (dto === undefined) {
      dto = compileFlatDto(metatype as new () => object) ?? null;
      this.compiled.set(metatype, dto);
    }
    return dto ?? undefined;
  }

  private validateFlat(dto: FlatDto, value: Record<string, unknown>): object {
    // As the full path: the body itself loses `__proto__`, `prototype` and `constructor`.
    this.stripProtoKeys(value);
    const entity = new dto.target() as Record<string, unknown>;
    const prototype = dto.target.prototype as object;
    for (const key of Object.keys(value)) {
      // As class-transformer's plainToInstance: never a key that would shadow a method or a getter.
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
      if ((descriptor && !descriptor.set) || entity[key] instanceof Function) continue;
      entity[key] = value[key];
    }
    const errors = dto.validate(entity);
    if (errors.length > 0) throw this.toError(errors);
    return entity;
  }
}

/** A JSON object (from JSON.parse) whose values are all strings, numbers, booleans or null. */
function isFlatPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== null && typeof v === 'object') return false;
    if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint' || typeof v === 'undefined') return false;
  }
  return true;
}

const FULL_OPTIONS = { whitelist: true, forbidNonWhitelisted: true, transform: true, validateCustomDecorators: false } as const;
const toProblem = (errors: ValidationError[]) => validationFailed(flatten(errors));

/** Validates bodies and queries with class-validator; unknown fields are refused, not ignored. */
export function createValidationPipe(): PipeTransform {
  return new CommandValidationPipe(toProblem);
}

/** Nest's ValidationPipe with the service's options: what the shortcut above is tested against. */
export function createReferenceValidationPipe(): ValidationPipe {
  return new ValidationPipe({ ...FULL_OPTIONS, exceptionFactory: toProblem });
}

/** Throws VALIDATION_FAILED unless the path parameter is a well-formed id. */
export function assertId(value: string, field: string): string {
  if (!ID_PATTERN.test(value)) throw validationFailed([{ field, message: `${field} must match [A-Za-z0-9._-]{1,64}` }]);
  return value;
}
