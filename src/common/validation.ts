import { type ArgumentMetadata, type PipeTransform, ValidationPipe, type ValidationError } from '@nestjs/common';
import { defaultMetadataStorage as transformerMetadata } from 'class-transformer/cjs/storage.js';
import { getMetadataStorage, ValidateIf, type ValidationOptions } from 'class-validator';
import { type FieldError, validationFailed } from './errors.js';
import { compileFlatDto, type FlatDto } from './flat-dto-validator.js';

import { ID_PATTERN, idMessage } from './ids.js';

export { ID_PATTERN } from './ids.js';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * Optional, but not nullable: an absent field is skipped, a present `null` is validated (and
 * refused by the type check), where class-validator's @IsOptional would let `null` through.
 */
export const Optional = (options?: ValidationOptions): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== undefined, options);

/** The names that Nest's pipe strips and class-transformer skips without a word. */
const STRIPPED = new Set(['__proto__', 'prototype', 'constructor']);
const knownFields = new Map<Function, ReadonlySet<string>>();

function fieldsOf(target: Function): ReadonlySet<string> {
  let fields = knownFields.get(target);
  if (!fields) {
    const metadatas = getMetadataStorage().getTargetValidationMetadatas(target, '', false, false, undefined);
    knownFields.set(target, (fields = new Set(metadatas.map((m) => m.propertyName))));
  }
  return fields;
}

/**
 * Unknown fields are refused by the whitelist, except those whose names the validation path
 * drops before looking: `__proto__`, `prototype`, `constructor` (stripped by Nest), and the names
 * of inherited methods such as `toString` or `hasOwnProperty` (skipped by class-transformer).
 * Those are found here, on the body as sent (nested DTOs included), and refused with every other
 * unknown field beside them, in the whitelist's words.
 */
export function assertNoHiddenFields(value: unknown, target: Function, prefix = ''): void {
  const unknown = hiddenFieldErrors(value, target, prefix);
  if (unknown) throw validationFailed(unknown);
}

function hiddenFieldErrors(value: unknown, target: Function, prefix: string): FieldError[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = hiddenFieldErrors(value[i], target, `${prefix}${i}.`);
      if (found) return found;
    }
    return undefined;
  }
  const fields = fieldsOf(target);
  if (fields.size === 0) return undefined;
  const keys = Object.keys(value);
  const prototype = target.prototype as object;
  if (keys.some((key) => !fields.has(key) && (STRIPPED.has(key) || key in prototype))) {
    return keys.filter((key) => !fields.has(key)).map((key) => ({ field: `${prefix}${key}`, message: `property ${key} should not exist` }));
  }
  for (const key of keys) {
    const nested = transformerMetadata.findTypeMetadata(target, key)?.typeFunction?.();
    if (typeof nested !== 'function') continue;
    const found = hiddenFieldErrors((value as Record<string, unknown>)[key], nested, `${prefix}${key}.`);
    if (found) return found;
  }
  return undefined;
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
 * Kept because it measurably lowers the command thread's CPU per command (bench/thread-cpu;
 * the figures are in docs/PERFORMANCE.md).
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
    assertNoHiddenFields(value, metatype);
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

/** Nest's ValidationPipe with the service's options and the same refusal of hidden fields: what the shortcut above is tested against. */
export function createReferenceValidationPipe(): ValidationPipe {
  return new (class extends ValidationPipe {
    override transform(value: unknown, metadata: ArgumentMetadata) {
      if (metadata.metatype && this.toValidate(metadata)) assertNoHiddenFields(value, metadata.metatype);
      return super.transform(value, metadata);
    }
  })({ ...FULL_OPTIONS, exceptionFactory: toProblem });
}

/** Throws VALIDATION_FAILED unless the path parameter is a well-formed id. */
export function assertId(value: string, field: string): string {
  if (!ID_PATTERN.test(value)) throw validationFailed([{ field, message: idMessage(field) }]);
  return value;
}
