import { type ArgumentMetadata, type PipeTransform, ValidationPipe, type ValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, ValidateIf, type ValidationOptions } from 'class-validator';
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
  // Nested DTOs: the classes class-transformer makes of the nested values (@Type) tell their fields.
  // Only bodies with nested values pay for this (flat command bodies never do).
  const raw = value as Record<string, unknown>;
  if (!keys.some((key) => typeof raw[key] === 'object' && raw[key] !== null)) return undefined;
  const instance = plainToInstance(target as new () => object, raw) as Record<string, unknown>;
  for (const key of keys) {
    if (typeof raw[key] !== 'object' || raw[key] === null) continue;
    const made = instance[key];
    const sample = Array.isArray(made) ? made.find((m) => typeof m === 'object' && m !== null) : made;
    const nested = (sample as object | undefined)?.constructor;
    if (typeof nested !== 'function' || nested === Object || nested === Array) continue;
    const found = hiddenFieldErrors(raw[key], nested, `${prefix}${key}.`);
    if (found) return found;
  }
  return undefined;
}

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, transform: true, validateCustomDecorators: false } as const;
const toProblem = (errors: ValidationError[]) => validationFailed(flatten(errors));

/**
 * Nest's ValidationPipe (class-transformer, then class-validator, whitelist), after the refusal of
 * the fields it would drop without a word (assertNoHiddenFields). A hand-written shortcut for flat
 * bodies was measured against it and saved too little CPU per command to keep (README, issue 27).
 */
export class CommandValidationPipe extends ValidationPipe {
  constructor() {
    super({ ...OPTIONS, exceptionFactory: toProblem });
  }

  override transform(value: unknown, metadata: ArgumentMetadata) {
    if (metadata.metatype && this.toValidate(metadata)) assertNoHiddenFields(value, metadata.metatype);
    return super.transform(value, metadata);
  }
}

/** Validates bodies and queries with class-validator; unknown fields are refused, not ignored. */
export function createValidationPipe(): PipeTransform {
  return new CommandValidationPipe();
}

/** Throws VALIDATION_FAILED unless the path parameter is a well-formed id. */
export function assertId(value: string, field: string): string {
  if (!ID_PATTERN.test(value)) throw validationFailed([{ field, message: `${field} must match [A-Za-z0-9._-]{1,64}` }]);
  return value;
}
