/**
 * The service's application/json body parser: Fastify's own (empty body and broken JSON answer
 * the same errors), plus two refusals made before any DTO code sees the value:
 * - nesting deeper than MAX_JSON_DEPTH (5,000 nested arrays overflowed class-transformer's
 *   recursive walk: a 500 instead of a 400); checked on the text, before JSON.parse builds it;
 * - a `__proto__` key anywhere: JSON.parse makes it an own key, harmless until some code copies
 *   it by assignment; it is named like any unknown field instead of being stripped in silence.
 */
import { errorCodes } from 'fastify';
import { validationFailed } from './errors.js';

/** No request of the API nests deeper than 3 levels; 32 leaves room and bounds every walk. */
export const MAX_JSON_DEPTH = 32;

export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
  if (text.length > 2 * MAX_JSON_DEPTH && nestingDepth(text) > MAX_JSON_DEPTH) {
    throw validationFailed([], `the JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
  if (text.includes('__proto__')) {
    const path = protoKeyPath(value, '');
    if (path !== undefined) throw validationFailed([{ field: path, message: 'property __proto__ should not exist' }]);
  }
  return value;
}

/** The deepest nesting of arrays and objects in a JSON text (brackets inside strings do not count). */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string: to the next quote not escaped by an odd number of backslashes.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return deepest;
}

/** The path of the first own `__proto__` key, or undefined (the value is at most MAX_JSON_DEPTH deep). */
function protoKeyPath(value: unknown, prefix: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (key === '__proto__') return path;
    const found = protoKeyPath((value as Record<string, unknown>)[key], path);
    if (found !== undefined) return found;
  }
  return undefined;
}
