import { describe, expect, it } from '@jest/globals';
import { compileCalendar, getDefaultCalendar } from '../../calendar/index.js';
import { AppError } from '../../common/errors.js';
import type { DossierEvent } from '../events.js';
import { classify, decide, type DossierCommand, responsibleUnits } from './decide.js';
import { type DossierState, evolve, initialState } from './state.js';

const vn = (date: string, time: string) => Date.parse(`${date}T${time}:00+07:00`);
const iso = (ms: number) => new Date(ms).toISOString();
const NOW = vn('2025-06-01', '12:00');
const ctx = { calendar: getDefaultCalendar(), calendarRevision: 0, now: NOW };

/** given(events).when(command).then(events | error): the decider as a specification. */
function given(...events: { event: DossierEvent; occurredAt: number }[]) {
  const state = events.reduce<DossierState>((s, e, i) => evolve(s, e.event, i, e.occurredAt), initialState);
  return {
    when(command: DossierCommand, now = NOW) {
      const run = () => decide(command, state, { ...ctx, now });
      return {
        then(expected: Partial<DossierEvent>[]) {
          const decided = run();
          expect(decided.map((d) => d.event.type)).toEqual(expected.map((e) => e.type));
          decided.forEach((d, i) => expect(d.event).toMatchObject(expected[i]));
        },
        thenError(code: string) {
          expect(run).toThrow(AppError);
          try {
            run();
          } catch (error) {
            expect((error as AppError).code).toBe(code);
          }
        },
      };
    },
  };
}

const received = (at = vn('2025-03-03', '08:00'), overrides: Partial<Extract<DossierEvent, { type: 'DossierReceived' }>['data']> = {}) => ({
  event: {
    type: 'DossierReceived' as const,
    data: {
      dossierId: 'D1',
      procedureCode: 'P',
      unitId: 'U1',
      channel: 'online' as const,
      receivedAt: iso(at),
      digitized: false,
      statutoryWorkingDays: 3,
      onSupplement: 'restart' as const,
      calendarRevision: 0,
      clockStartAt: iso(at),
      dueAt: iso(vn('2025-03-05', '17:00')),
      ...overrides,
    },
  },
  occurredAt: at,
});
const transferred = (to: string, at: number, stepDueAt?: number, from = 'U1') => ({
  event: {
    type: 'DossierTransferred' as const,
    data: { dossierId: 'D1', fromUnitId: from, toUnitId: to, transferredAt: iso(at), calendarRevision: 0, ...(stepDueAt ? { allottedWorkingHours: 8, stepDueAt: iso(stepDueAt) } : {}) },
  },
  occurredAt: at,
});
const supplementRequested = (at: number) => ({
  event: { type: 'DossierSupplementRequested' as const, data: { dossierId: 'D1', unitId: 'U1', reason: 'r', requestedAt: iso(at), remainingWorkingMs: 0 } },
  occurredAt: at,
});
const resolved = (at: number) => ({
  event: {
    type: 'DossierResolved' as const,
    data: { dossierId: 'D1', outcome: 'approved' as const, resolvedAt: iso(at), resultDigitized: false, unitId: 'U1', dueAt: iso(vn('2025-03-05', '17:00')), timeliness: 'early' as const, responsibleUnitIds: [], apologized: false },
  },
  occurredAt: at,
});
const procedure = { code: 'P', name: 'p', statutoryWorkingDays: 3, onSupplement: 'restart' as const };

describe('dossier decider', () => {
  it('receives a new dossier with its clock start and due instant', () => {
    given()
      .when({ type: 'Receive', dossierId: 'D1', procedure, unitId: 'U1', channel: 'online', receivedAt: vn('2025-03-03', '09:00'), digitized: true })
      .then([{ type: 'DossierReceived', data: expect.objectContaining({ clockStartAt: iso(vn('2025-03-03', '09:00')), dueAt: iso(vn('2025-03-06', '09:00')), digitized: true }) as never }]);
  });

  it('refuses a second receive of the same dossier', () => {
    given(received()).when({ type: 'Receive', dossierId: 'D1', procedure, unitId: 'U1', channel: 'online', receivedAt: vn('2025-03-03', '09:00'), digitized: false }).thenError('DUPLICATE_DOSSIER');
  });

  it('refuses any command on a dossier never received', () => {
    given().when({ type: 'Resolve', outcome: 'approved', resultDigitized: false, occurredAt: vn('2025-03-03', '09:00') }).thenError('NOT_FOUND');
  });

  it('refuses an occurredAt before the previous event, and after now plus a minute', () => {
    given(received()).when({ type: 'Withdraw', reason: 'r', occurredAt: vn('2025-03-02', '09:00') }).thenError('VALIDATION_FAILED');
    given(received()).when({ type: 'Withdraw', reason: 'r', occurredAt: NOW + 61_000 }).thenError('VALIDATION_FAILED');
    given(received()).when({ type: 'Withdraw', reason: 'r', occurredAt: NOW + 59_000 }).then([{ type: 'DossierWithdrawn' }]);
  });

  it('refuses instants of what happened before 2000, and appointments from 2100 on (issue 21)', () => {
    const receive = (receivedAt: number) => ({ type: 'Receive' as const, dossierId: 'D1', procedure, unitId: 'U1', channel: 'online' as const, receivedAt, digitized: false });
    given().when(receive(Date.parse('1800-01-01T09:00:00+07:00'))).thenError('VALIDATION_FAILED');
    given().when(receive(Date.parse('0000-01-01T09:00:00Z'))).thenError('VALIDATION_FAILED');
    given().when(receive(Number.NaN)).thenError('VALIDATION_FAILED');
    given().when(receive(Date.parse('2000-01-03T09:00:00+07:00'))).then([{ type: 'DossierReceived' }]);
    given(received()).when({ type: 'Withdraw', reason: 'r', occurredAt: Date.parse('1999-12-31T23:59:59Z') }).thenError('VALIDATION_FAILED');
    const apologize = (newAppointmentAt: number) => ({ type: 'Apologize' as const, reason: 'r', responsibleUnitId: 'U1', occurredAt: vn('2025-03-04', '09:00'), newAppointmentAt });
    given(received()).when(apologize(Date.UTC(2100, 0, 1))).thenError('VALIDATION_FAILED');
    given(received()).when(apologize(Date.UTC(2099, 11, 31))).then([{ type: 'DossierApologyIssued' }]);
  });

  it('refuses a due instant the calendar would put after 2100, rather than storing it', () => {
    // One office minute a day: 45 statutory days (360 office hours) take some sixty years of working days.
    const calendar = compileCalendar({ officeHours: [{ start: '08:00', end: '08:01' }], cutoff: '08:01', holidays: [], workingDays: [] });
    const slow = { ...procedure, statutoryWorkingDays: 45 };
    const receive = { type: 'Receive' as const, dossierId: 'D1', procedure: slow, unitId: 'U1', channel: 'online' as const, receivedAt: vn('2025-03-03', '08:00'), digitized: false };
    expect(() => decide(receive, initialState, { ...ctx, calendar })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }) as never);
    const transfer = { type: 'Transfer' as const, toUnitId: 'U2', allottedWorkingHours: 10_000, occurredAt: vn('2025-03-04', '08:00') };
    const state = evolve(initialState, received().event, 0, received().occurredAt);
    expect(() => decide(transfer, state, { ...ctx, calendar })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }) as never);
  });

  it('allows one supplement request only, and never while awaiting', () => {
    given(received(), supplementRequested(vn('2025-03-04', '08:00'))).when({ type: 'Transfer', toUnitId: 'U2', occurredAt: vn('2025-03-04', '09:00') }).thenError('ILLEGAL_TRANSITION');
    given(received(), supplementRequested(vn('2025-03-04', '08:00')))
      .when({ type: 'Resolve', outcome: 'approved', resultDigitized: false, occurredAt: vn('2025-03-04', '09:00') })
      .thenError('ILLEGAL_TRANSITION');
  });

  it('resolution only while open; return only after resolution; withdrawal only before it', () => {
    const at = vn('2025-03-04', '10:00');
    given(received(), resolved(at)).when({ type: 'Resolve', outcome: 'approved', resultDigitized: false, occurredAt: at }).thenError('ILLEGAL_TRANSITION');
    given(received(), resolved(at)).when({ type: 'Withdraw', reason: 'r', occurredAt: at }).thenError('ILLEGAL_TRANSITION');
    given(received(), resolved(at)).when({ type: 'ReturnResult', occurredAt: at }).then([{ type: 'DossierResultReturned' }]);
    given(received()).when({ type: 'ReturnResult', occurredAt: at }).thenError('ILLEGAL_TRANSITION');
  });

  it('marks overdue once, after the due instant, never while awaiting the citizen', () => {
    const after = vn('2025-03-06', '08:00');
    given(received()).when({ type: 'MarkOverdue' }, vn('2025-03-05', '16:00')).then([]);
    given(received()).when({ type: 'MarkOverdue' }, after).then([{ type: 'DossierBecameOverdue', data: { dossierId: 'D1', dueAt: iso(vn('2025-03-05', '17:00')), unitId: 'U1' } }]);
    given(received(), supplementRequested(vn('2025-03-04', '08:00'))).when({ type: 'MarkOverdue' }, after).then([]);
    const overdue = { event: { type: 'DossierBecameOverdue' as const, data: { dossierId: 'D1', dueAt: iso(vn('2025-03-05', '17:00')), unitId: 'U1' } }, occurredAt: vn('2025-03-05', '17:00') };
    given(received(), overdue).when({ type: 'MarkOverdue' }, after).then([]);
  });

  it('a late entry of a resolution that really happened before the due instant is on time, even after the overdue mark', () => {
    const overdue = { event: { type: 'DossierBecameOverdue' as const, data: { dossierId: 'D1', dueAt: iso(vn('2025-03-05', '17:00')), unitId: 'U1' } }, occurredAt: vn('2025-03-05', '17:00') };
    given(received(), transferred('U2', vn('2025-03-04', '08:00')), overdue)
      .when({ type: 'Resolve', outcome: 'approved', resultDigitized: false, occurredAt: vn('2025-03-05', '16:00') })
      .then([{ type: 'DossierResolved', data: expect.objectContaining({ timeliness: 'on_time', unitId: 'U2' }) as never }]);
  });

  it('classifies by local calendar day and due instant', () => {
    const due = vn('2025-03-05', '17:00');
    expect(classify(vn('2025-03-04', '23:59'), due)).toBe('early');
    expect(classify(vn('2025-03-05', '00:00'), due)).toBe('on_time');
    expect(classify(due, due)).toBe('on_time');
    expect(classify(due + 1, due)).toBe('late');
  });

  it('blames the units whose allotted steps overran, else the holder at the due instant', () => {
    const steps = [
      { unitId: 'U1', enteredAt: vn('2025-03-03', '08:00') },
      { unitId: 'U2', enteredAt: vn('2025-03-03', '09:00'), dueAt: vn('2025-03-03', '17:00') },
      { unitId: 'U3', enteredAt: vn('2025-03-04', '09:00'), dueAt: vn('2025-03-10', '17:00') },
    ];
    expect(responsibleUnits(steps, vn('2025-03-05', '17:00'), vn('2025-03-06', '09:00'))).toEqual(['U2']);
    const unallotted = steps.map(({ unitId, enteredAt }) => ({ unitId, enteredAt }));
    expect(responsibleUnits(unallotted, vn('2025-03-05', '17:00'), vn('2025-03-06', '09:00'))).toEqual(['U3']);
    expect(responsibleUnits(unallotted, vn('2025-03-03', '08:30'), vn('2025-03-06', '09:00'))).toEqual(['U1']);
  });
});
