import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { PutCalendarBody, PutProcedureBody, PutUnitBody } from '../../src/catalog/catalog.dto.js';
import { AppError } from '../../src/common/errors.js';
import { compileFlatDto } from '../../src/common/flat-dto-validator.js';
import { mulberry32 } from '../../src/common/random.js';
import { createReferenceValidationPipe, createValidationPipe } from '../../src/common/validation.js';
import { ApologizeBody, OccurredBody, ReasonBody, ReceiveDossierBody, ResolveBody, TransferBody } from '../../src/dossier/integrator-commands/dossier.dto.js';

/**
 * The service's validation pipe takes a shortcut for flat command bodies; Nest's ValidationPipe
 * with the same options is the specification. Every input below goes through both, each on its
 * own copy, and must come out the same: the same instance and properties, or the same problem
 * (code, detail, errors in order), and the body left in the same state.
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

describe('the command validation pipe gives what Nest ValidationPipe gives', () => {
  const fast = createValidationPipe();
  const reference = createReferenceValidationPipe();

  it.each(VALID.map(([dto, valid]) => [dto.name, dto, valid] as const))('%s bodies', async (_name, dto, valid) => {
    let refused = 0;
    for (const text of corpus(valid)) {
      const metadata: ArgumentMetadata = { type: 'body', metatype: dto, data: undefined };
      const expected = await outcome(reference, text, metadata);
      const actual = await outcome(fast, text, metadata);
      expect({ text, outcome: actual }).toEqual({ text, outcome: expected });
      if (!expected.ok) refused++;
    }
    expect(refused).toBeGreaterThan(20);
    const accepted = await outcome(fast, JSON.stringify(valid), { type: 'body', metatype: dto, data: undefined });
    expect(accepted.ok).toBe(true);
  });

  it.each<[string, ArgumentMetadata, string]>([
    ['a path parameter typed string', { type: 'param', metatype: String, data: 'id' }, '"HS-1"'],
    ['a path parameter typed string, from a number', { type: 'param', metatype: String, data: 'id' }, '12'],
    ['a query value typed number', { type: 'query', metatype: Number, data: 'limit' }, '"12"'],
    ['a query value typed number, absent', { type: 'query', metatype: Number, data: 'limit' }, 'undefined'],
    ['a query value typed boolean', { type: 'query', metatype: Boolean, data: 'overdue' }, '"true"'],
    ['a query value typed boolean, other text', { type: 'query', metatype: Boolean, data: 'overdue' }, '"yes"'],
    ['a whole query object (an interface)', { type: 'query', metatype: Object, data: undefined }, '{"unitId":"X","limit":"5"}'],
    ['a custom parameter', { type: 'custom', metatype: ReceiveDossierBody, data: undefined }, '{"anything":1}'],
    ['a body without a type', { type: 'body', metatype: undefined, data: undefined }, '{"anything":1}'],
    ['a query typed as a DTO class', { type: 'query', metatype: ReceiveDossierBody, data: undefined }, '{"dossierId":"HS-1"}'],
  ])('%s', async (_what, metadata, text) => {
    expect(await outcome(fast, text, metadata)).toEqual(await outcome(reference, text, metadata));
  });

  it('takes the shortcut for the flat command bodies, not for a body with nested rules', () => {
    for (const dto of [ReceiveDossierBody, OccurredBody, TransferBody, ReasonBody, ApologizeBody, ResolveBody, PutUnitBody, PutProcedureBody]) {
      expect(compileFlatDto(dto)).toBeDefined();
    }
    expect(compileFlatDto(PutCalendarBody)).toBeUndefined();
  });
});

describe('what both paths refuse, that Nest ValidationPipe alone would drop or let through', () => {
  const pipes = [['the service pipe', createValidationPipe()], ['the reference pipe', createReferenceValidationPipe()]] as const;
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
