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

/** Types Nest's ValidationPipe does not validate (its `toValidate`). */
const UNVALIDATED = new Set<unknown>([String, Boolean, Number, Array, Object, Buffer, Date]);

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
export class CommandValidationPipe implements PipeTransform {
  private readonly full: ValidationPipe;
  private readonly compiled = new Map<Function, FlatDto | null>();

  constructor(private readonly exceptionFactory: (errors: ValidationError[]) => unknown) {
    this.full = new ValidationPipe({ ...FULL_OPTIONS, exceptionFactory });
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const metatype = metadata.metatype;
    // Nest's toValidate() (validateCustomDecorators is off) and transformPrimitive() (transform is on).
    if (!metatype || UNVALIDATED.has(metatype) || metadata.type === 'custom') return transformPrimitive(value, metadata);
    if (metadata.type === 'body' && isFlatPlainObject(value)) {
      const dto = this.flatDto(metatype);
      if (dto) return this.validateFlat(dto, value);
    }
    return this.full.transform(value, metadata);
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
    // As Nest's stripProtoKeys: the body itself loses these keys (later readers of the body see it so).
    if (Object.hasOwn(value, '__proto__')) Reflect.deleteProperty(value, '__proto__');
    if (Object.hasOwn(value, 'prototype')) Reflect.deleteProperty(value, 'prototype');
    if (Object.hasOwn(value, 'constructor')) Reflect.deleteProperty(value, 'constructor');
    const entity = new dto.target() as Record<string, unknown>;
    const prototype = dto.target.prototype as object;
    for (const key of Object.keys(value)) {
      // As class-transformer's plainToInstance: never a key that would shadow a method or a getter.
      if (key === '__proto__' || key === 'constructor') continue;
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
      if ((descriptor && !descriptor.set) || entity[key] instanceof Function) continue;
      entity[key] = value[key];
    }
    const errors = dto.validate(entity);
    if (errors.length > 0) throw this.exceptionFactory(errors);
    return entity;
  }
}

/** Nest's ValidationPipe.transformPrimitive: path and query values typed boolean, number or string are converted. */
function transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
  if (!metadata.data) return value;
  const { type, metatype } = metadata;
  if (type !== 'param' && type !== 'query') return value;
  if (metatype === Boolean) return value === undefined ? undefined : value === true || value === 'true';
  if (metatype === Number) return value === undefined ? undefined : +(value as number);
  if (metatype === String && value !== undefined) return String(value);
  return value;
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
