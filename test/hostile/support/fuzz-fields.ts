/**
 * Building blocks of generated requests: a DTO described field by field and its bodies (a valid
 * one, then zero to three near-miss mutations and unknown or prototype-named keys), query strings
 * (known options with weird values, repeats, unknown options), path segments (ids existing or not,
 * malformed, traversal-ish, encoded), and the headers of a command.
 */
import fc from 'fast-check';
import {
  bad,
  type Gen,
  instantArb,
  type InstantKind,
  isId,
  type Json,
  JsonObj,
  MALFORMED_IDS,
  NOT_AN_OBJECT,
  numberArb,
  ok,
  textArb,
  toJsonText,
  UNKNOWN_KEYS,
  wrongTypeArb,
} from './fuzz-values.js';

export type FieldKind =
  /** `pool`: ids that exist (or are meant to); `also`: well-formed ids that may not (the oracle knows at run time). */
  | { t: 'id'; pool: readonly string[]; also?: readonly string[]; fresh?: string }
  | { t: 'instant'; kind: InstantKind }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'text'; max: number; blankRefused: boolean }
  | { t: 'number'; min: number; max: number }
  | { t: 'bool' }
  | { t: 'hhmm' }
  | { t: 'dates'; holidays: boolean }
  /** An array of at most `maxItems` non-empty strings of at most `max` characters. */
  | { t: 'texts'; maxItems: number; max: number }
  | { t: 'officeHours' };

export interface Field {
  name: string;
  kind: FieldKind;
  required: boolean;
  /** `null` must be refused although the field is optional (issue 21, finding 7: allottedWorkingHours). */
  nullRefused?: boolean;
  /** The id names something that must exist (checked against the fuzzer's mirror at run time). */
  ref?: 'unit' | 'procedure';
}

const HHMM = ['07:30', '08:00', '11:30', '12:00', '13:00', '13:30', '15:00', '17:00'];
const jsonType = (k: FieldKind): 'string' | 'number' | 'boolean' | 'array' =>
  k.t === 'number' ? 'number' : k.t === 'bool' ? 'boolean' : k.t === 'dates' || k.t === 'officeHours' || k.t === 'texts' ? 'array' : 'string';

const interval = (start: string, end: string) => new JsonObj([['start', start], ['end', end]]);
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const datesFrom = (first: string, days: number) => Array.from({ length: days }, (_, i) => isoDate(Date.parse(first) + i * 86_400_000));

/** A valid value of the field (an id with `fresh`: from the pool, or new with that prefix). */
function validArb(kind: FieldKind, now: number): fc.Arbitrary<Json> {
  switch (kind.t) {
    case 'id':
      return kind.fresh === undefined ? fc.constantFrom(...kind.pool) : fc.oneof(fc.constantFrom(...kind.pool), fc.nat(999_999).map((n) => `${kind.fresh}${n}`));
    case 'instant':
      return instantArb(kind.kind, now).filter((g) => g.refuse === undefined).map((g) => g.value);
    case 'enum':
      return fc.constantFrom(...kind.values);
    case 'text':
      return textArb(kind.max, kind.blankRefused).filter((g) => g.refuse === undefined).map((g) => g.value);
    case 'number':
      return fc.double({ min: kind.min, max: kind.max, noNaN: true });
    case 'bool':
      return fc.boolean();
    case 'hhmm':
      return fc.constantFrom(...HHMM);
    case 'dates':
      return fc.array(fc.integer({ min: 0, max: 900 }).map((d) => isoDate(Date.parse('2025-01-01') + d * 86_400_000)), { maxLength: 6 });
    case 'officeHours':
      return fc.constantFrom<Json>([interval('08:00', '11:30'), interval('13:30', '17:00')], [interval('07:30', '11:30'), interval('13:00', '17:00')], [interval('08:00', '17:00')]);
    case 'texts':
      return fc.array(textArb(kind.max, true).filter((g) => g.refuse === undefined).map((g) => g.value as Json), { maxLength: Math.min(3, kind.maxItems) });
  }
}

/** A value near the field's valid ones, with its verdict when it must be refused. */
function nearMissArb(kind: FieldKind, now: number): fc.Arbitrary<Gen<Json>> {
  switch (kind.t) {
    case 'id':
      return fc.oneof(
        fc.constantFrom(...MALFORMED_IDS).map((s) => bad<Json>(s, `malformed id ${JSON.stringify(s.slice(0, 20))}`)),
        fc.constantFrom('..', '.', '-', 'a'.repeat(64), ...(kind.also ?? [])).map((s) => ok<Json>(s)),
      );
    case 'instant':
      return instantArb(kind.kind, now);
    case 'enum':
      return fc.constantFrom(...kind.values).chain((v) =>
        fc.constantFrom(v.toUpperCase(), ` ${v}`, `${v}\u0000`, `${v}x`, '', v.slice(0, -1)).map((s) => bad<Json>(s, `not one of ${kind.values.join('|')}: ${JSON.stringify(s)}`)),
      );
    case 'text':
      return textArb(kind.max, kind.blankRefused);
    case 'number':
      return numberArb(kind.min, kind.max);
    case 'bool':
      return fc.constantFrom<Json>('true', 'false', 1, 0, 'yes').map((v) => bad(v, `boolean given as ${JSON.stringify(v)}`));
    case 'hhmm':
      return fc.constantFrom('8:00', '24:01', '12:60', '0800', '08:00:00', '', '٠٨:٠٠', '08h00').map((s) => bad<Json>(s, `not HH:MM: ${JSON.stringify(s)}`));
    case 'dates':
      return fc.oneof(
        fc.constantFrom<Json>(['2025/01/01'], ['x'], [null], [20250101], ['2025-01-01T00:00:00Z']).map((v) => bad(v, 'not YYYY-MM-DD dates')),
        fc.constant(bad<Json>(datesFrom('2020-01-01', 2001), '2001 dates')),
        // A month and more without a working day (API.md) when they are days off; harmless as make-up days.
        fc.constant(kind.holidays ? bad<Json>(datesFrom('2027-02-01', 38), '38 days off in a row') : ok<Json>(datesFrom('2027-02-01', 38))),
        fc.constant(ok<Json>(datesFrom('2027-02-08', 7))), // a Tết week: normal
      );
    case 'officeHours':
      return fc.oneof(
        fc.constant(bad<Json>([], 'no office hour')),
        fc.constant(bad<Json>([interval('17:00', '08:00')], 'reversed office hours')),
        fc.constant(bad<Json>([interval('08:00', '12:00'), interval('11:00', '13:00')], 'overlapping office hours')),
        fc.constant(bad<Json>(Array.from({ length: 9 }, (_, i) => interval(`${String(8 + i).padStart(2, '0')}:00`, `${String(8 + i).padStart(2, '0')}:30`)), '9 intervals')),
        fc.constant(bad<Json>([new JsonObj([['start', '08:00']])], 'interval without end')),
        fc.constant(bad<Json>([new JsonObj([['start', '08:00'], ['end', '12:00'], ['x', 1]])], 'unknown field in an interval')),
        fc.constant(bad<Json>(['08:00-12:00'], 'interval as text')),
        fc.constant(bad<Json>([null], 'null interval')),
        // Legal or not (the calendar policy decides): one office minute a day pushes due instants out by decades (finding 1).
        fc.constant(ok<Json>([interval('08:00', '08:01')])),
        fc.constant(ok<Json>([interval('00:00', '24:00')])),
      );
    case 'texts':
      return fc.oneof(
        fc.constantFrom<Json>([''], [null], [1], [['x']]).map((v) => bad(v, 'not a list of non-empty texts')),
        fc.constant(bad<Json>(['x'.repeat(kind.max + 1)], `a text over ${kind.max} characters`)),
        fc.constant(bad<Json>(Array.from({ length: kind.maxItems + 1 }, (_, i) => `s${i}`), `${kind.maxItems + 1} texts`)),
      );
  }
}

type Mutation = { field: number; how: 'absent' | 'null' | 'wrongType' | 'nearMiss' | 'duplicate'; value: Gen<Json> };

export interface GeneratedBody {
  text: string;
  refuse: string[];
  /** Final value of each field sent (JSON last-wins semantics), for the run-time checks. */
  values: Map<string, Json>;
  /** Names of the fields sent, as the service would read them. */
}

/**
 * Bodies of a DTO: about a third exactly valid (so that commands get through and state moves), the
 * rest with one to three mutations of its fields, unknown or prototype-named keys, or not an
 * object at all. `base` gives valid values a route needs fixed (a seeded unit keeps its parent).
 */
export function bodyArb(fields: readonly Field[], now: number, base: fc.Arbitrary<Record<string, Json>> = fc.constant({})): fc.Arbitrary<GeneratedBody> {
  const valid = fc.tuple(...fields.map((f) => (f.required ? validArb(f.kind, now).map((v) => v as Json | undefined) : fc.option(validArb(f.kind, now), { nil: undefined, freq: 2 }))));
  const mutation: fc.Arbitrary<Mutation> = fc.integer({ min: 0, max: Math.max(0, fields.length - 1) }).chain((i) => {
    const f = fields[i];
    const nullVerdict: Gen<Json> = f.required ? bad(null, `${f.name} null`) : f.nullRefused ? bad(null, `${f.name} null (optional, but null is no value)`) : ok(null);
    return fc.oneof(
      { weight: 1, arbitrary: fc.constant<Mutation>({ field: i, how: 'absent', value: f.required ? bad(null, `${f.name} missing`) : ok(null) }) },
      { weight: 1, arbitrary: fc.constant<Mutation>({ field: i, how: 'null', value: nullVerdict }) },
      { weight: 1, arbitrary: wrongTypeArb(jsonType(f.kind)).map((v): Mutation => ({ field: i, how: 'wrongType', value: bad(v, `${f.name} of the wrong type`) })) },
      { weight: 6, arbitrary: nearMissArb(f.kind, now).map((g): Mutation => ({ field: i, how: 'nearMiss', value: g })) },
      { weight: 1, arbitrary: wrongTypeArb(jsonType(f.kind)).map((v): Mutation => ({ field: i, how: 'duplicate', value: ok(v) })) },
    );
  });
  const known = new Set(fields.map((f) => f.name));
  const unknownKey = fc.oneof(fc.constantFrom(...UNKNOWN_KEYS), fc.string({ minLength: 1, maxLength: 12 })).filter((k) => !known.has(k));
  const extra = fc.tuple(unknownKey, fc.oneof(wrongTypeArb('string'), fc.constant<Json>('x')));
  const objectBody = fc
    .record({
      valid,
      base,
      // Mostly one change at a time, so that a single hostile value meets the state behind the validation.
      mutations: fc.oneof(
        { weight: 4, arbitrary: fc.constant<Mutation[]>([]) },
        { weight: 4, arbitrary: mutation.map((m) => [m]) },
        { weight: 2, arbitrary: fc.array(mutation, { minLength: 2, maxLength: 3 }) },
      ),
      extras: fc.oneof({ weight: 10, arbitrary: fc.constant<[string, Json][]>([]) }, { weight: 1, arbitrary: fc.array(extra, { minLength: 1, maxLength: 2 }) }),
    })
    .map(({ valid: values, base: fixed, mutations, extras }): GeneratedBody => {
      const refuse: string[] = [];
      const final = new Map<string, Json>();
      fields.forEach((f, i) => {
        const v = f.name in fixed ? fixed[f.name] : values[i];
        if (v !== undefined) final.set(f.name, v);
      });
      const before: [string, Json][] = [];
      for (const m of mutations) {
        const name = fields[m.field].name;
        if (m.how === 'absent') final.delete(name);
        else if (m.how === 'duplicate') before.push([name, m.value.value]); // sent first: the later, valid one wins
        else final.set(name, m.value.value);
      }
      // The verdicts of the mutations that stand (a later mutation of the same field replaces an earlier one).
      const standing = new Map<number, Mutation>();
      for (const m of mutations) if (m.how !== 'duplicate') standing.set(m.field, m);
      for (const m of standing.values()) if (m.value.refuse) refuse.push(m.value.refuse);
      fields.forEach((f) => {
        if (f.required && !final.has(f.name) && !refuse.some((r) => r.startsWith(f.name))) refuse.push(`${f.name} missing`);
      });
      for (const [k] of extras) refuse.push(`unknown field ${JSON.stringify(k)}`);
      const entries: [string, Json][] = [...before.filter(([k]) => final.has(k)), ...final.entries(), ...extras];
      return { text: toJsonText(new JsonObj(entries)), refuse: [...new Set(refuse)], values: final };
    });
  return fc.oneof(
    { weight: 14, arbitrary: objectBody },
    { weight: 1, arbitrary: fc.constantFrom(...NOT_AN_OBJECT).map((g): GeneratedBody => ({ text: g.value, refuse: [g.refuse!], values: new Map() })) },
  );
}

// ---- content type ----

export interface ContentType {
  value?: string;
  /** Why a non-empty body under this type must be refused. */
  refuse?: string;
}

export const contentTypeArb: fc.Arbitrary<ContentType> = fc.oneof(
  { weight: 24, arbitrary: fc.constant<ContentType>({ value: 'application/json' }) },
  { weight: 3, arbitrary: fc.constantFrom<ContentType>({ value: 'application/json; charset=utf-8' }, { value: 'Application/JSON' }, { value: 'application/json;charset=UTF-8' }) },
  { weight: 1, arbitrary: fc.constantFrom<ContentType>({ value: 'application/json; charset=latin1' }, { value: 'application/merge-patch+json' }, { value: 'application/json, text/plain' }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<ContentType>(
      { value: 'text/plain', refuse: 'a text/plain body' },
      { value: 'application/x-www-form-urlencoded', refuse: 'a form body' },
      { value: 'multipart/form-data; boundary=x', refuse: 'a multipart body' },
      { value: 'application/xml', refuse: 'an XML body' },
      { value: undefined, refuse: 'a body without Content-Type' },
    ),
  },
);

// ---- query strings ----

export interface GeneratedQuery {
  /** `?a=b&...` or ''. */
  text: string;
  refuse: string[];
  /** Decoded values of the known options sent once. */
  values: Map<string, string>;
}

const enc = encodeURIComponent;
const UNKNOWN_QUERY: [string, string][] = [
  ['__proto__', 'x'],
  ['constructor', 'x'],
  ['toString', '1'],
  ['hasOwnProperty', '1'],
  ['unknown', 'yes'],
  ['limit[]', '5'],
  ['a.b', '1'],
  ['', 'x'],
];

/**
 * A query string over the known options (each present or not, with a value from its generator),
 * sometimes with an option repeated (refused: "given once") or with unknown ones (ignored or refused).
 */
export function queryArb(options: Record<string, fc.Arbitrary<Gen<string>>>, repeatRefused = true): fc.Arbitrary<GeneratedQuery> {
  const names = Object.keys(options);
  const present = fc.tuple(...names.map((n) => fc.option(options[n], { nil: undefined, freq: 2 })));
  return fc
    .record({
      present: names.length ? present : fc.constant([] as (Gen<string> | undefined)[]),
      repeat: fc.option(fc.constantFrom(...(names.length ? names : ['x'])), { nil: undefined, freq: 8 }),
      unknown: fc.oneof({ weight: 8, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: fc.array(fc.constantFrom(...UNKNOWN_QUERY), { minLength: 1, maxLength: 3 }) }),
      rawTail: fc.option(fc.constantFrom('&', '&&', '=', 'x=%ZZ', 'x=%E0%A4%A', '%00=1', 'y=' + 'z'.repeat(3000)), { nil: undefined, freq: 15 }),
    })
    .map(({ present: gens, repeat, unknown, rawTail }) => {
      const pairs: string[] = [];
      const refuse: string[] = [];
      const values = new Map<string, string>();
      names.forEach((n, i) => {
        const g = gens[i];
        if (g === undefined) return;
        pairs.push(`${enc(n)}=${enc(g.value)}`);
        values.set(n, g.value);
        if (g.refuse) refuse.push(`${n}: ${g.refuse}`);
      });
      if (repeat !== undefined && values.has(repeat)) {
        pairs.push(`${enc(repeat)}=${enc(values.get(repeat)!)}`);
        if (repeatRefused) refuse.push(`${repeat} given twice`);
        values.delete(repeat);
      }
      for (const [k, v] of unknown) pairs.push(`${enc(k)}=${enc(v)}`);
      if (rawTail !== undefined) pairs.push(rawTail);
      return { text: pairs.length ? `?${pairs.join('&')}` : '', refuse, values };
    });
}

/** Values of an integer option taking [min, max]. */
export function integerOptionArb(min: number, max: number): fc.Arbitrary<Gen<string>> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min, max }).map((n) => ok(String(n))) },
    { weight: 2, arbitrary: fc.constantFrom('-1', '1.5', 'abc', '1e3', '0x10', ' 1', '9'.repeat(17), String(max + 1), '١').map((s) => bad(s, `not an integer in [${min}, ${max}]: ${s}`)) },
    { weight: 1, arbitrary: fc.constant(ok('')) },
  );
}

export function enumOptionArb(values: readonly string[]): fc.Arbitrary<Gen<string>> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...values).map((v) => ok(v)) },
    { weight: 1, arbitrary: fc.constantFrom(...values).chain((v) => fc.constantFrom(v.toUpperCase(), `${v} `, `${v}\u0000`, 'x')).map((s) => bad(s, `not one of ${values.join('|')}`)) },
  );
}

export function idOptionArb(pool: readonly string[]): fc.Arbitrary<Gen<string>> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...pool).map((v) => ok(v)) },
    { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_IDS.filter((s) => s !== '')).map((s) => bad(s, 'malformed id')) },
  );
}

// ---- path segments ----

export interface Segment {
  raw: string;
  /** The id the service reads from the segment, when it is a well-formed one. */
  id?: string;
  refuse?: string;
}

const percentAll = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** A path segment naming an id from the pool, or something shaped like an attack on the path. */
export function segmentArb(pool: readonly string[]): fc.Arbitrary<Segment> {
  return fc.oneof(
    { weight: 14, arbitrary: fc.constantFrom(...pool).map((id): Segment => ({ raw: id, id })) },
    { weight: 1, arbitrary: fc.constantFrom(...pool).map((id): Segment => ({ raw: percentAll(id), id })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...MALFORMED_IDS.filter((s) => s !== '')).map((s): Segment => ({ raw: enc(s), refuse: `malformed id ${JSON.stringify(s.slice(0, 20))}` })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Segment>(
        { raw: '..', id: '..' },
        { raw: '%2e%2e', id: '..' },
        { raw: '..%2F..%2Fprojections%2Fstatus', refuse: 'traversal' },
        { raw: '%2F', refuse: 'encoded slash' },
        { raw: '%00', refuse: 'NUL' },
        { raw: '%', refuse: 'broken escape' },
        { raw: '%E0%A4%A', refuse: 'broken escape' },
        { raw: '%ZZ', refuse: 'broken escape' },
        { raw: '%C0%AF', refuse: 'overlong UTF-8' },
        { raw: '%F0%9F%98%80', refuse: 'emoji id' },
        { raw: 'a;b=c', refuse: 'matrix parameter' },
        { raw: 'x'.repeat(120), refuse: 'overlong id' },
        { raw: 'x'.repeat(5000), refuse: 'very long id' },
      ),
    },
  );
}

export const isWellFormed = (s: Segment) => s.id !== undefined && isId(s.id);

// ---- command headers ----

export interface CommandHeaders {
  headers: Record<string, string>;
  refuse: string[];
  /** A key the fuzzer reuses: the service may answer with an earlier request's answer. */
  replayable: boolean;
}

export const commandHeadersArb: fc.Arbitrary<CommandHeaders> = fc
  .record({
    ifMatch: fc.option(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('0', '1', '2', '3', '"2"', 'W/"1"', ' 3 ', '"3').map((v) => ok(v)) },
        { weight: 1, arbitrary: fc.constantFrom('*', 'abc', '-1', '1.5', '9'.repeat(16), '', 'W/', '"1", "2"').map((v) => bad(v, `If-Match ${JSON.stringify(v)}`)) },
      ),
      { nil: undefined, freq: 5 },
    ),
    idempotency: fc.option(
      fc.oneof(
        { weight: 3, arbitrary: fc.uuid().map((v) => ({ ...ok(v), reused: false })) },
        { weight: 2, arbitrary: fc.constantFrom('fz-idem-0', 'fz-idem-1').map((v) => ({ ...ok(v), reused: true })) },
        { weight: 1, arbitrary: fc.constantFrom('clé-\u00e9\u00ff', 'a b', '\t').map((v) => ({ ...ok(v), reused: true })) },
        { weight: 1, arbitrary: fc.constantFrom('', 'k'.repeat(201)).map((v) => ({ ...bad(v, `Idempotency-Key of ${v.length} characters`), reused: false })) },
      ),
      { nil: undefined, freq: 3 },
    ),
    correlation: fc.option(fc.constantFrom('abc', '\u00ff\u00fe', 'x'.repeat(500), ''), { nil: undefined, freq: 6 }),
  })
  .map(({ ifMatch, idempotency, correlation }) => {
    const headers: Record<string, string> = {};
    const refuse: string[] = [];
    if (ifMatch) {
      headers['if-match'] = ifMatch.value;
      if (ifMatch.refuse) refuse.push(ifMatch.refuse);
    }
    if (idempotency) {
      headers['idempotency-key'] = idempotency.value;
      if (idempotency.refuse) refuse.push(idempotency.refuse);
    }
    if (correlation !== undefined) headers['x-correlation-id'] = correlation;
    return { headers, refuse, replayable: idempotency?.reused === true };
  });
