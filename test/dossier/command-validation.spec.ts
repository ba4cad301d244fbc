import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { PutCalendarBody, PutProcedureBody, PutUnitBody } from '../../src/catalog/catalog.dto.js';
import { AppError } from '../../src/common/errors.js';
import { mulberry32 } from '../../src/common/random.js';
import { createValidationPipe } from '../../src/common/validation.js';
import { ApologizeBody, OccurredBody, ReasonBody, ReceiveDossierBody, ResolveBody, TransferBody } from '../../src/dossier/http/dossier.dto.js';

/**
 * The service's validation pipe is Nest's ValidationPipe (class-validator itself; the hand-written
 * shortcut for flat bodies was dropped in issue 27) behind a refusal of the fields that pipe would
 * drop without a word. Every input below goes through it: an accepted body comes out as an instance
 * of its class with exactly the body's fields, all known and none null; a refused one is
 * VALIDATION_FAILED naming only fields of the body or of the class.
 */
type Outcome =
  | { ok: true; prototypeIsClass: boolean; constructorName: string; props: [string, unknown][]; bodyAfter: unknown }
  | { ok: false; code: string; detail: string; errors: unknown; bodyAfter: unknown };

async function outcome(pipe: PipeTransform, text: string, metadata: ArgumentMetadata): Promise<Outcome> {
  const body: unknown = text === 'undefined' ? undefined : JSON.parse(text);
  const snapshot = () => (typeof body === 'object' && body !== null ? Object.entries(body) : body);
  try {
    const result = (await pipe.transform(body, metadata)) as object;
    const isObject = typeof result === 'object' && result !== null;
    return {
      ok: true,
      prototypeIsClass: isObject && metadata.metatype !== undefined && Object.getPrototypeOf(result) === metadata.metatype.prototype,
      constructorName: isObject ? String((result as { constructor?: { name?: string } }).constructor?.name) : typeof result,
      props: isObject ? Object.entries(result) : [['value', result]],
      bodyAfter: snapshot(),
    };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { ok: false, code: error.code, detail: error.detail, errors: error.errors, bodyAfter: snapshot() };
  }
}

const instant = '2025-03-04T10:00:00+07:00';
const VALID: [new () => object, Record<string, unknown>][] = [
  [ReceiveDossierBody, { dossierId: 'HS-1', procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'online', receivedAt: instant, digitized: true }],
  [OccurredBody, { occurredAt: instant }],
  [TransferBody, { toUnitId: 'VPDKDD', allottedWorkingHours: 16, occurredAt: instant }],
  [ReasonBody, { reason: 'Thiếu bản sao', occurredAt: instant }],
  [ApologizeBody, { reason: 'Chậm', newAppointmentAt: instant, responsibleUnitId: 'VPDKDD', occurredAt: instant }],
  [ResolveBody, { outcome: 'approved', resultDigitized: false, occurredAt: instant }],
  [PutUnitBody, { name: 'Sở Tư pháp', parentId: 'P', level: 'department' }],
  [PutProcedureBody, { name: 'Đăng ký', statutoryWorkingDays: 3, onSupplement: 'pause' }],
  [PutCalendarBody, { officeHours: [{ start: '08:00', end: '12:00' }], cutoff: '15:00', holidays: ['2025-01-27'] }],
];

/** Values each property is set to in turn. */
const VALUES: unknown[] = [
  null, 0, -1, 0.2, 0.25, 10000, 10001, 1e21, true, false, '', ' ', 'x'.repeat(65), 'x'.repeat(2001), 'HS 6/x', 'fax', 'approved', 'online',
  '2025-03-04T10:00:00', '2025-02-30T08:00:00+07:00', '2025-03-04T10:00:00Z', '16', '$property $value $constraint1', {}, [], ['a'], { a: 1 }, [{ start: '08:00' }],
];
/** Keys added to a valid body: unknown fields, and the names class-transformer and Nest treat specially. */
const EXTRA_KEYS = ['color', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'constructor', 'prototype', '0', '', 'a.b', 'isPrototypeOf'];

function corpus(valid: Record<string, unknown>): string[] {
  const texts = new Set<string>([JSON.stringify(valid), '{}', 'null', '[]', '"text"', '42', 'true', 'undefined', JSON.stringify([valid])]);
  for (const key of Object.keys(valid)) {
    const { [key]: _removed, ...without } = valid;
    texts.add(JSON.stringify(without));
    for (const value of VALUES) texts.add(JSON.stringify({ ...valid, [key]: value }));
  }
  for (const key of EXTRA_KEYS) {
    for (const value of ['x', 1, null, { a: 1 }]) texts.add(JSON.stringify({ ...valid, [key]: value }));
  }
  // JSON.parse makes "__proto__" an own key (Fastify refuses it before any pipe; the pipes still agree).
  texts.add(`{"__proto__": {"polluted": true}, ${JSON.stringify(valid).slice(1)}`);
  // Several faults at once, drawn from a seeded generator.
  const random = mulberry32(20250304);
  const keys = [...Object.keys(valid), ...EXTRA_KEYS];
  for (let i = 0; i < 150; i++) {
    const body: Record<string, unknown> = { ...valid };
    for (let j = 0; j < 1 + Math.floor(random() * 3); j++) {
      const key = keys[Math.floor(random() * keys.length)];
      if (random() < 0.25) delete body[key];
      else body[key] = VALUES[Math.floor(random() * VALUES.length)];
    }
    texts.add(JSON.stringify(body));
  }
  return [...texts];
}

/** The fields class-validator knows for a DTO class (its decorated properties). */
function fieldsOf(dto: new () => object): Set<string> {
  return new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false, undefined).map((m) => m.propertyName));
}

describe('the command validation pipe', () => {
  const pipe = createValidationPipe();

  it.each(VALID.map(([dto, valid]) => [dto.name, dto, valid] as const))('%s bodies: accepted as an instance with known fields only, or refused naming the fields', async (_name, dto, valid) => {
    const known = fieldsOf(dto);
    let refused = 0;
    for (const text of corpus(valid)) {
      const body: unknown = text === 'undefined' ? undefined : JSON.parse(text);
      const result = await outcome(pipe, text, { type: 'body', metatype: dto, data: undefined });
      if (result.ok) {
        expect({ text, prototypeIsClass: result.prototypeIsClass }).toEqual({ text, prototypeIsClass: true });
        expect({ text, props: result.props }).toEqual({ text, props: Object.entries((body ?? {}) as object) });
        for (const [key] of result.props) expect({ text, key, known: known.has(key) }).toEqual({ text, key, known: true });
      } else {
        refused++;
        expect({ text, code: result.code }).toEqual({ text, code: 'VALIDATION_FAILED' });
        const fields = (result.errors as { field: string }[]).map((e) => e.field);
        expect(fields.length).toBeGreaterThan(0);
        const bodyKeys = typeof body === 'object' && body !== null ? Object.keys(body) : [];
        for (const field of fields) expect({ text, field, named: [...known, ...bodyKeys, 'body'].some((k) => field === k || field.startsWith(`${k}.`)) }).toEqual({ text, field, named: true });
      }
    }
    expect(refused).toBeGreaterThan(20);
    expect((await outcome(pipe, JSON.stringify(valid), { type: 'body', metatype: dto, data: undefined })).ok).toBe(true);
  });

  it.each<[string, ArgumentMetadata, string, unknown]>([
    ['a path parameter typed string', { type: 'param', metatype: String, data: 'id' }, '"HS-1"', 'HS-1'],
    ['a path parameter typed string, from a number', { type: 'param', metatype: String, data: 'id' }, '12', '12'],
    ['a query value typed number', { type: 'query', metatype: Number, data: 'limit' }, '"12"', 12],
    ['a query value typed boolean', { type: 'query', metatype: Boolean, data: 'overdue' }, '"true"', true],
    ['a query value typed boolean, other text', { type: 'query', metatype: Boolean, data: 'overdue' }, '"yes"', false],
    ['a body without a type', { type: 'body', metatype: undefined, data: undefined }, '{"anything":1}', { anything: 1 }],
  ])('%s is converted as Nest converts it', async (_what, metadata, text, expected) => {
    expect(await pipe.transform(JSON.parse(text), metadata)).toEqual(expected);
  });
});

describe('what the service pipe refuses, that Nest ValidationPipe alone would drop or let through', () => {
  const pipes = [['the service pipe', createValidationPipe()]] as const;
  const metadata = (dto: new () => object): ArgumentMetadata => ({ type: 'body', metatype: dto, data: undefined });

  it.each(pipes)('%s refuses fields named after what the validation path strips or skips, naming them', async (_name, pipe) => {
    for (const key of ['constructor', 'toString', '__proto__', 'prototype', 'hasOwnProperty', 'valueOf']) {
      const text = `{"occurredAt":"${instant}","color":1,${JSON.stringify(key)}:"x"}`;
      const result = await outcome(pipe, text, metadata(OccurredBody));
      expect(result).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', errors: [{ field: 'color', message: 'property color should not exist' }, { field: key, message: `property ${key} should not exist` }] });
    }
    // In a nested DTO too.
    const nested = `{"officeHours":[{"start":"08:00","end":"12:00","toString":1}]}`;
    expect(await outcome(pipe, nested, metadata(PutCalendarBody))).toMatchObject({ ok: false, errors: [{ field: 'officeHours.0.toString' }] });
  });

  it.each(pipes)('%s refuses a present null for an optional field, and a blank reason', async (_name, pipe) => {
    const nullHours = await outcome(pipe, JSON.stringify({ toUnitId: 'VPDKDD', allottedWorkingHours: null, occurredAt: instant }), metadata(TransferBody));
    expect(nullHours).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    expect(new Set((nullHours as { errors: { field: string }[] }).errors.map((e) => e.field))).toEqual(new Set(['allottedWorkingHours']));
    expect(await outcome(pipe, JSON.stringify({ toUnitId: 'VPDKDD', occurredAt: instant }), metadata(TransferBody))).toMatchObject({ ok: true });
    for (const reason of [' ', '\t\n ', '\u00a0']) {
      const blank = await outcome(pipe, JSON.stringify({ reason, occurredAt: instant }), metadata(ReasonBody));
      expect(blank).toMatchObject({ ok: false, errors: [{ field: 'reason', message: 'reason must not be blank' }] });
    }
  });
});
