/**
 * class-validator over a flat DTO without class-validator's per-call bookkeeping.
 *
 * `validate()` looks up and filters the class's metadata (a scan over every registered class),
 * groups it by property, finds each constraint's instance in its container and builds a promise,
 * on every call. For a DTO whose properties are all primitives this module does that once per
 * class and then runs the same constraint instances, with the same arguments, in the same order,
 * and builds the same `ValidationError`s (whitelist errors first, then one per property, empty
 * ones left out) and the same messages. Classes it cannot treat that way (nested or async
 * validation, `each`, contexts, `validateIf`, class-transformer decorators) are left to the
 * ordinary path: `compileFlatDto` answers undefined for them.
 *
 * Assumes class-validator's default container (no `useContainer`): constraint instances are
 * taken once. Options as the service's ValidationPipe has them: whitelist with
 * forbidNonWhitelisted, no groups, no skip* options.
 */
import { getMetadataStorage, ValidationTypes, type ValidationArguments, type ValidationError } from 'class-validator';
import { defaultMetadataStorage as transformerMetadata } from 'class-transformer/cjs/storage.js';
import { ValidationUtils } from 'class-validator/cjs/validation/ValidationUtils.js';

type Storage = ReturnType<typeof getMetadataStorage>;
type Metadata = ReturnType<Storage['getTargetValidationMetadatas']>[number];
type Constraint = ReturnType<Storage['getTargetValidatorConstraints']>[number];
type Instance = { validate(value: unknown, args: ValidationArguments): unknown; defaultMessage?: (args: ValidationArguments) => string };

interface Check {
  metadata: Metadata;
  /** The constraint's name, or the metadata's type (the key of `constraints` in the error). */
  type: string;
  instance: Instance;
}

interface Property {
  name: string;
  conditions: Metadata[];
  defined: Check[];
  custom: Check[];
}

export interface FlatDto {
  readonly target: new () => object;
  /** class-validator's errors for an instance of the class, as `validate(instance, options)` would give them. */
  validate(object: Record<string, unknown>): ValidationError[];
}

const SUPPORTED = new Set<string>([ValidationTypes.CUSTOM_VALIDATION, ValidationTypes.CONDITIONAL_VALIDATION, ValidationTypes.IS_DEFINED, ValidationTypes.WHITELIST]);
/** class-transformer's TransformationType.PLAIN_TO_CLASS. */
const PLAIN_TO_CLASS = 0;

/** The compiled validator of a class, or undefined when the class needs class-validator's full path. */
export function compileFlatDto(target: new () => object): FlatDto | undefined {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(target, '', false, false, undefined);
  if (metadatas.length === 0) return undefined;
  if (transformerMetadata.getStrategy(target) !== 'none') return undefined;
  if (transformerMetadata.getExposedMetadatas(target).length > 0 || transformerMetadata.getExcludedMetadatas(target).length > 0) return undefined;
  const grouped = storage.groupByPropertyName(metadatas);
  const properties: Property[] = [];
  for (const name of Object.keys(grouped)) {
    if (transformerMetadata.findTypeMetadata(target, name) || transformerMetadata.findTransformMetadatas(target, name, PLAIN_TO_CLASS).length > 0) return undefined;
    const property: Property = { name, conditions: [], defined: [], custom: [] };
    for (const metadata of grouped[name]) {
      if (!SUPPORTED.has(metadata.type) || metadata.each || metadata.context !== undefined || metadata.validateIf) return undefined;
      if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        property.conditions.push(metadata);
        continue;
      }
      if (metadata.type === ValidationTypes.WHITELIST) continue;
      for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls) as Constraint[]) {
        if (constraint.async) return undefined;
        const check: Check = { metadata, type: constraint.name ? constraint.name : metadata.type, instance: constraint.instance as Instance };
        (metadata.type === ValidationTypes.IS_DEFINED ? property.defined : property.custom).push(check);
      }
    }
    properties.push(property);
  }
  const known = new Set(Object.keys(grouped));
  return { target, validate: (object) => validateFlat(object, known, properties) };
}

function validateFlat(object: Record<string, unknown>, known: ReadonlySet<string>, properties: Property[]): ValidationError[] {
  let errors: ValidationError[] | undefined;
  for (const key of Object.keys(object)) {
    if (known.has(key)) continue;
    (errors ??= []).push(error(key, object[key], { [ValidationTypes.WHITELIST]: `property ${key} should not exist` }, undefined));
  }
  for (const property of properties) {
    const value = object[property.name];
    let constraints: Record<string, string> | undefined;
    let applies = true;
    for (const condition of property.conditions) applies = (condition.constraints[0] as (o: object, v: unknown) => boolean)(object, value) && applies;
    if (!applies) continue;
    for (const checks of [property.defined, property.custom]) {
      for (const check of checks) {
        const args = argumentsOf(object, check.metadata, value);
        if (check.instance.validate(value, args)) continue;
        (constraints ??= {})[check.type] = message(check, args);
      }
    }
    if (constraints) (errors ??= []).push(error(property.name, value, constraints, []));
  }
  return errors ?? [];
}

function argumentsOf(object: object, metadata: Metadata, value: unknown): ValidationArguments {
  return { targetName: object.constructor ? object.constructor.name : (undefined as unknown as string), property: metadata.propertyName, object, value, constraints: metadata.constraints };
}

function error(property: string, value: unknown, constraints: Record<string, string>, children: ValidationError[] | undefined): ValidationError {
  return { property, value, constraints, children } as ValidationError;
}

/** class-validator's ValidationExecutor.createValidationError: the message template, its tokens replaced by class-validator. */
function message(check: Check, args: ValidationArguments): string {
  let template: unknown = check.metadata.message || '';
  if (!check.metadata.message && check.instance.defaultMessage instanceof Function) template = check.instance.defaultMessage(args);
  return ValidationUtils.replaceMessageSpecialTokens(template as string | ((args: ValidationArguments) => string), args);
}
