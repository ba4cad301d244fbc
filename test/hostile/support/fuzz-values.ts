/**
 * Values for the fuzzer, each with what the service must make of it: `refuse` names why a request
 * carrying it must be refused (a 4xx); without it the value is valid or its fate is not decided here.
 * Bodies are built as JSON text of our own (`JsonObj` keeps duplicate and prototype-named keys such
 * as `__proto__`, which an object literal would swallow; `RawJson` carries text JSON.stringify
 * cannot make: 1e400, 20,000 nested arrays).
 */
import fc from 'fast-check';

export class JsonObj {
  constructor(readonly entries: [string, Json][]) {}
}
export class RawJson {
  constructor(readonly text: string) {}
}
export type Json = null | boolean | number | string | Json[] | JsonObj | RawJson;

export function toJsonText(v: Json): string {
  if (v instanceof RawJson) return v.text;
  if (v instanceof JsonObj) return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${toJsonText(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  return JSON.stringify(v);
}

/** A value and, when a request carrying it must be refused, why. */
export interface Gen<T = Json> {
  value: T;
  refuse?: string;
}
export const ok = <T>(value: T): Gen<T> => ({ value });
export const bad = <T>(value: T, refuse: string): Gen<T> => ({ value, refuse });

// ---- strings ----

/** Unicode that tends to hurt: combining marks, RTL, astral planes, NUL, lone surrogates' neighbours, BOM. */
const NASTY_TEXT = [
  'Thủ tục cấp đổi',
  'e\u0301\u0301\u0301',
  '\u202eevil\u202c',
  '😀👨‍👩‍👧‍👦',
  'a\u0000b',
  '\ufeffBOM',
  '\u2028\u2029',
  "'; DROP TABLE events; --",
  '{"$gt":""}',
  '../../etc/passwd',
  '%s%n%x',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
];

/** Text of at most `max` characters (never blank), or a near-miss with its verdict. */
export function textArb(max: number, blankRefused: boolean): fc.Arbitrary<Gen<string>> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((s) => s.trim() !== '' && [...s].length <= max).map((s) => ok(s)) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_TEXT).map((s) => ok(s)) },
    { weight: 1, arbitrary: fc.constant(bad('', 'empty text')) },
    { weight: 1, arbitrary: fc.constantFrom(' ', '   ', '\t\n', '\u00a0').map((s) => (blankRefused ? bad(s, 'blank text') : ok(s))) },
    // Well past the limit (grapheme or code unit, every count agrees), or far below it.
    { weight: 1, arbitrary: fc.constantFrom(max + 50, max * 3, 70_000).map((n) => bad('x'.repeat(n), `text of ${n} characters`)) },
    { weight: 1, arbitrary: fc.constant(ok('é'.repeat(Math.min(max, 150)))) },
  );
}

// ---- ids ----

const ID = /^[A-Za-z0-9._-]{1,64}$/;
export const isId = (s: string) => ID.test(s);

/** Strings shaped nothing like an id: each must be refused where an id is expected. */
export const MALFORMED_IDS = ['', ' ', 'a b', 'x'.repeat(65), 'x'.repeat(300), 'ÀÉ', 'a/b', 'a\\b', '\u0000', 'id%', '"quoted"', '<id>', 'a\nb', '日本'];

// ---- numbers ----

/** A number for a field taking [min, max]: inside, outside, non-finite, and of other shapes. */
export function numberArb(min: number, max: number): fc.Arbitrary<Gen<Json>> {
  const verdict = (n: number) => (Number.isFinite(n) && n >= min && n <= max ? ok<Json>(n) : bad<Json>(n, `number ${n} outside [${min}, ${max}]`));
  return fc.oneof(
    { weight: 3, arbitrary: fc.double({ min, max, noNaN: true }).map((n) => ok<Json>(n)) },
    { weight: 1, arbitrary: fc.constantFrom(min, max, 1).map((n) => ok<Json>(n)) },
    { weight: 2, arbitrary: fc.constantFrom(0, -0, -1, min / 2, max * 2, 1e-300, 5e-324, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 53).map(verdict) },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(verdict) },
    { weight: 1, arbitrary: fc.constantFrom('1e400', '-1e400', '1E+999', '0.000000000000000000000000000000000000000001e-400').map((t) => {
      const n = JSON.parse(t) as number;
      return Number.isFinite(n) && n >= min && n <= max ? ok<Json>(new RawJson(t)) : bad<Json>(new RawJson(t), `number ${t} outside [${min}, ${max}]`);
    }) },
  );
}

// ---- instants ----

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const MINUTE = 60_000;
const DAY = 86_400_000;

/** An ISO instant with an offset, well-formed, for a UTC moment (shown at +07:00 or Z). */
export function isoAt(ms: number, offset: 'Z' | '+07:00' = '+07:00'): string {
  const shifted = new Date(ms + (offset === 'Z' ? 0 : 7 * 3_600_000));
  const y = shifted.getUTCFullYear();
  const date = `${y < 0 ? '-' : ''}${pad(Math.abs(y), 4)}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
  return `${date}T${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}:${pad(shifted.getUTCSeconds())}${offset}`;
}

/** Years no instant of this service may have (API.md: 2000-01-01 to 2100-01-01 at most), with margin. */
const OUT_OF_RANGE_YEARS = [0, 1, 100, 999, 1000, 1800, 1899, 1900, 1969, 1970, 1998, 2101, 2500, 9999];

/** Not instants at all, or not in the API's form: refused wherever an instant is expected. */
const MALFORMED_INSTANTS = [
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '2025-02-30T09:00:00+07:00',
  '2025-02-29T09:00:00+07:00',
  '2025-13-01T09:00:00+07:00',
  '2025-03-03',
  '2025-03-03T09:00:00',
  '2025-03-03T24:00:00Z',
  '2025-03-03T09:60:00Z',
  '2025-03-03t09:00:00z',
  '2025-03-03T09:00:00+25:00',
  '2025-03-03T09:00:00.1234567890Z',
  ' 2025-03-03T09:00:00Z',
  '２０２５-03-03T09:00:00Z',
  'yesterday',
  'NaN',
  '',
];

export type InstantKind =
  /** What happened (receivedAt, occurredAt): 2000-01-01 to now + 1 minute. */
  | 'happened'
  /** Other instants (appointments, report periods, asOf): 2000-01-01 to 2100-01-01. */
  | 'bounded';

/** An instant of a kind: in range, out of range (years 0000, 1800, 9999...), in the future, malformed. */
export function instantArb(kind: InstantKind, now: number): fc.Arbitrary<Gen<string>> {
  const inRange = fc.integer({ min: Date.parse('2001-01-01T00:00:00Z'), max: kind === 'happened' ? now - MINUTE : Date.parse('2099-01-01T00:00:00Z') });
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(inRange, fc.constantFrom<'Z' | '+07:00'>('Z', '+07:00')).map(([ms, off]) => ok(isoAt(ms - (ms % 1000), off))) },
    // Near the seeded history (March 2025), where commands in lifecycle order can succeed.
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 60 * 24 * 30 }).map((m) => ok(isoAt(Date.parse('2025-03-04T01:00:00Z') + m * MINUTE))) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...OUT_OF_RANGE_YEARS), fc.integer({ min: 1, max: 12 })).map(([y, m]) => bad(`${pad(y, 4)}-${pad(m)}-01T09:00:00+07:00`, `year ${y}`)) },
    ...(kind === 'happened' ? [{ weight: 1, arbitrary: fc.integer({ min: 2, max: 3650 }).map((d) => bad(isoAt(now + d * DAY), `${d} days in the future`)) }] : []),
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_INSTANTS).map((s) => bad(s, `malformed instant ${JSON.stringify(s)}`)) },
  );
}

/** The same, as a query-string value (a report period, asOf), where an empty value means "not given". */
export const queryInstantArb = (now: number) => instantArb('bounded', now).map((g) => (g.value === '' ? ok('') : g));

// ---- structure ----

/** JSON that is no primitive: arrays, objects, deep nesting (up to 20,000 levels), prototype-named keys. */
export const structureArb: fc.Arbitrary<Json> = fc.oneof(
  fc.constant<Json>([]),
  fc.constant<Json>(new JsonObj([])),
  fc.constant<Json>(['a', 1, null]),
  fc.constant<Json>(new JsonObj([['__proto__', new JsonObj([['admin', true]])]])),
  fc.constant<Json>(new JsonObj([['constructor', new JsonObj([['prototype', new JsonObj([['x', 1]])]])]])),
  fc.constantFrom(2, 64, 600, 5_000, 20_000).map((n): Json => new RawJson('['.repeat(n) + ']'.repeat(n))),
  fc.constantFrom(64, 2_000, 10_000).map((n): Json => new RawJson('{"a":'.repeat(n) + '1' + '}'.repeat(n))),
);

/** A value of another JSON type than `expected` (a string where a number goes, and so on). */
export function wrongTypeArb(expected: 'string' | 'number' | 'boolean' | 'array' | 'object'): fc.Arbitrary<Json> {
  const all: Record<typeof expected, fc.Arbitrary<Json>> = {
    string: fc.constantFrom<Json>('1', 'true', '', '2025-03-03T09:00:00+07:00'),
    number: fc.constantFrom<Json>(0, 1, -1, 3.5, 1e21),
    boolean: fc.constantFrom<Json>(true, false),
    array: fc.constantFrom<Json>([], ['x'], [1, 2]),
    object: fc.constantFrom<Json>(new JsonObj([]), new JsonObj([['x', 1]])),
  };
  return fc.oneof(...(Object.keys(all) as (typeof expected)[]).filter((k) => k !== expected).map((k) => all[k]), structureArb);
}

/** Field names no DTO has, prototype-named ones first among them. */
export const UNKNOWN_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isAdmin', 'revision', 'position', 'Actor', ''];

/** Whole bodies that are not a JSON object of fields. */
export const NOT_AN_OBJECT: Gen<string>[] = [
  bad('null', 'body null'),
  bad('[]', 'body an array'),
  bad('[{}]', 'body an array'),
  bad('"text"', 'body a string'),
  bad('42', 'body a number'),
  bad('true', 'body a boolean'),
  bad('{', 'truncated JSON'),
  bad('{"a":1,}', 'trailing comma'),
  bad('{"a":NaN}', 'NaN in JSON'),
  bad("{'a':1}", 'single quotes'),
  bad('{"a":1} x', 'trailing garbage'),
  bad('{"a":1}{"b":2}', 'two documents'),
  bad('/* c */ {}', 'comment in JSON'),
  bad('[' .repeat(30_000) + ']'.repeat(30_000), '30,000 nested arrays'),
  bad('{"__proto__":{"isAdmin":true}}', 'prototype poisoning'),
  bad('{"constructor":{"prototype":{"isAdmin":true}}}', 'constructor poisoning'),
];
