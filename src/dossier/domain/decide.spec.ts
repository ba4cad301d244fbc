/**
 * The decider, command by command: given(events).when(command).then(events | refused(code)).
 * Instants are Vietnam's local time; office hours 08:00-12:00 and 13:00-17:00, cutoff 15:00.
 * March 2025 has no day off on weekdays.
 */
import { describe, expect, it } from '@jest/globals';
import { compileCalendar, getDefaultCalendar, WORKING_HOUR_MS } from '../../calendar/index.js';
import { deciderSpec, refused } from '../../../test/support/decider.js';
import type { DossierEvent, DossierReceived } from '../events.js';
import { classify, type Decided, type DossierCommand, responsibleUnits } from './decide.js';

const vn = (date: string, time: string) => Date.parse(`${date}T${time}:00+07:00`);
const iso = (ms: number) => new Date(ms).toISOString();
const NOW = vn('2025-06-01', '12:00');
const given = deciderSpec({ calendar: getDefaultCalendar(), calendarRevision: 0, now: NOW });
/** One office minute a day: a due of more than a few office hours lies after 2100. */
const slowCalendar = compileCalendar({ officeHours: [{ start: '08:00', end: '08:01' }], cutoff: '08:01', holidays: [], workingDays: [] });

// The history the specs start from: D1, a 3-day procedure, received at U1 on Monday 3/3 08:00, due Wednesday 5/3 17:00.
const RECEIVED_AT = vn('2025-03-03', '08:00');
const DUE = vn('2025-03-05', '17:00');
const decided = <E extends DossierEvent>(type: E['type'], data: Omit<E['data'], 'dossierId'>, occurredAt: number): Decided => ({
  event: { type, data: { dossierId: 'D1', ...data } } as DossierEvent, // fixtures: each call names its event's type and data
  occurredAt,
});
const received = (data: Partial<DossierReceived['data']> = {}) =>
  decided<DossierReceived>(
    'DossierReceived',
    {
      procedureCode: 'P',
      unitId: 'U1',
      channel: 'online',
      receivedAt: iso(RECEIVED_AT),
      digitized: false,
      statutoryWorkingDays: 3,
      onSupplement: 'restart',
      calendarRevision: 0,
      clockStartAt: iso(RECEIVED_AT),
      dueAt: iso(DUE),
      ...data,
    },
    RECEIVED_AT,
  );
const transferred = (to: string, at: number, stepDueAt?: number, from = 'U1') =>
  decided('DossierTransferred', { fromUnitId: from, toUnitId: to, transferredAt: iso(at), calendarRevision: 0, ...(stepDueAt ? { allottedWorkingHours: 8, stepDueAt: iso(stepDueAt) } : {}) }, at);
/** Asked on Tuesday 4/3 08:00: two office days (16 h) were left until the due instant. */
const ASKED_AT = vn('2025-03-04', '08:00');
const supplementRequested = (at = ASKED_AT, remainingWorkingMs = 16 * WORKING_HOUR_MS) =>
  decided('DossierSupplementRequested', { unitId: 'U1', reason: 'r', requestedAt: iso(at), remainingWorkingMs }, at);
const supplemented = (at: number, dueAt: number) =>
  decided('DossierSupplemented', { supplementedAt: iso(at), rule: 'restart', clockStartAt: iso(at), dueAt: iso(dueAt), calendarRevision: 0 }, at);
const apologized = (at: number, newAppointmentAt: number) =>
  decided('DossierApologyIssued', { reason: 'r', responsibleUnitId: 'U1', issuedAt: iso(at), newAppointmentAt: iso(newAppointmentAt), issuedInTime: true }, at);
const resolved = (at: number) =>
  decided('DossierResolved', { outcome: 'approved', resolvedAt: iso(at), resultDigitized: false, unitId: 'U1', dueAt: iso(DUE), timeliness: 'early', responsibleUnitIds: [], apologized: false }, at);
const returned = (at: number) => decided('DossierResultReturned', { returnedAt: iso(at) }, at);
const withdrawn = (at: number) => decided('DossierWithdrawn', { reason: 'r', withdrawnAt: iso(at) }, at);
const overdue = () => decided('DossierBecameOverdue', { dueAt: iso(DUE), unitId: 'U1' }, DUE);

const procedure = { code: 'P', name: 'p', statutoryWorkingDays: 3, onSupplement: 'restart' as const };
const receive = (receivedAt: number, more: Partial<Extract<DossierCommand, { type: 'Receive' }>> = {}): DossierCommand => ({
  type: 'Receive',
  dossierId: 'D1',
  procedure,
  unitId: 'U1',
  channel: 'online',
  receivedAt,
  digitized: false,
  ...more,
});
const MON_10 = vn('2025-03-03', '10:00');
const TUE_9 = vn('2025-03-04', '09:00');

/** The refusals every command on an existing dossier shares: unknown dossier, and an instant it may not record. */
function refusesWhatDidNotHappen(command: (occurredAt: number) => DossierCommand) {
  it('refuses a dossier never received', () => {
    given().when(command(TUE_9)).then(refused('NOT_FOUND'));
  });
  it('refuses an occurredAt before the dossier\'s previous event', () => {
    given(received(), transferred('U2', TUE_9)).when(command(MON_10)).then(refused('VALIDATION_FAILED', 'occurredAt'));
  });
  it('refuses an occurredAt after now plus a minute, and before 2000', () => {
    given(received()).when(command(NOW + 61_000)).then(refused('VALIDATION_FAILED', 'occurredAt'));
    given(received()).when(command(Date.parse('1999-12-31T23:59:59Z'))).then(refused('VALIDATION_FAILED', 'occurredAt'));
  });
}

describe('Receive', () => {
  it('starts the clock at once before the cutoff and counts the statutory days in office time', () => {
    given()
      .when(receive(vn('2025-03-03', '09:00'), { digitized: true }))
      .then([
        {
          type: 'DossierReceived',
          data: { unitId: 'U1', clockStartAt: iso(vn('2025-03-03', '09:00')), dueAt: iso(vn('2025-03-06', '09:00')), digitized: true, statutoryWorkingDays: 3, onSupplement: 'restart' },
          occurredAt: vn('2025-03-03', '09:00'),
        },
      ]);
  });
  it('after the cutoff, starts the clock at the next working day\'s opening', () => {
    given()
      .when(receive(vn('2025-03-07', '16:00')))
      .then([{ type: 'DossierReceived', data: { clockStartAt: iso(vn('2025-03-10', '08:00')), dueAt: iso(vn('2025-03-12', '17:00')) } }]);
  });
  it('refuses a dossier id already received', () => {
    given(received()).when(receive(MON_10)).then(refused('DUPLICATE_DOSSIER'));
  });
  it('refuses a receivedAt in the future (beyond a minute of skew) or before 2000', () => {
    given().when(receive(NOW + 61_000)).then(refused('VALIDATION_FAILED', 'receivedAt'));
    given().when(receive(NOW + 59_000)).then([{ type: 'DossierReceived' }]);
    given().when(receive(Date.parse('1800-01-01T09:00:00+07:00'))).then(refused('VALIDATION_FAILED', 'receivedAt'));
    given().when(receive(Number.NaN)).then(refused('VALIDATION_FAILED', 'receivedAt'));
    given().when(receive(Date.parse('2000-01-03T09:00:00+07:00'))).then([{ type: 'DossierReceived' }]);
  });
  it('refuses a due instant the calendar would put after 2100, rather than storing it', () => {
    given().when(receive(RECEIVED_AT, { procedure: { ...procedure, statutoryWorkingDays: 45 } }), { calendar: slowCalendar }).then(refused('VALIDATION_FAILED', 'receivedAt'));
  });
});

describe('Transfer', () => {
  it('without an allotment: the dossier changes hands, no step due', () => {
    const [d] = given(received())
      .when({ type: 'Transfer', toUnitId: 'U2', occurredAt: MON_10 })
      .then([{ type: 'DossierTransferred', data: { fromUnitId: 'U1', toUnitId: 'U2', transferredAt: iso(MON_10) }, occurredAt: MON_10 }]);
    expect(d.event.data).not.toHaveProperty('stepDueAt');
  });
  it('with an allotment: the step is due after that much office time, over the lunch break', () => {
    given(received())
      .when({ type: 'Transfer', toUnitId: 'U2', allottedWorkingHours: 4, occurredAt: MON_10 })
      .then([{ type: 'DossierTransferred', data: { toUnitId: 'U2', allottedWorkingHours: 4, stepDueAt: iso(vn('2025-03-03', '15:00')) } }]);
  });
  it('with an allotment after the cutoff: the step\'s clock starts at the next opening', () => {
    given(received())
      .when({ type: 'Transfer', toUnitId: 'U2', allottedWorkingHours: 4, occurredAt: vn('2025-03-03', '16:00') })
      .then([{ type: 'DossierTransferred', data: { stepDueAt: iso(vn('2025-03-04', '12:00')) } }]);
  });
  it('from the unit that holds it now', () => {
    given(received(), transferred('U2', MON_10))
      .when({ type: 'Transfer', toUnitId: 'U3', occurredAt: TUE_9 })
      .then([{ type: 'DossierTransferred', data: { fromUnitId: 'U2', toUnitId: 'U3' } }]);
  });
  it('refuses a transfer to the unit holding the dossier', () => {
    given(received(), transferred('U2', MON_10)).when({ type: 'Transfer', toUnitId: 'U2', occurredAt: TUE_9 }).then(refused('ILLEGAL_TRANSITION'));
  });
  it('refuses a dossier awaiting the citizen, resolved, returned or withdrawn', () => {
    const transfer = { type: 'Transfer' as const, toUnitId: 'U2', occurredAt: vn('2025-03-06', '09:00') };
    given(received(), supplementRequested()).when(transfer).then(refused('ILLEGAL_TRANSITION'));
    given(received(), resolved(TUE_9)).when(transfer).then(refused('ILLEGAL_TRANSITION'));
    given(received(), resolved(TUE_9), returned(TUE_9)).when(transfer).then(refused('ILLEGAL_TRANSITION'));
    given(received(), withdrawn(TUE_9)).when(transfer).then(refused('ILLEGAL_TRANSITION'));
  });
  it('refuses an allotment whose step due the calendar would put after 2100', () => {
    given(received()).when({ type: 'Transfer', toUnitId: 'U2', allottedWorkingHours: 10_000, occurredAt: TUE_9 }, { calendar: slowCalendar }).then(refused('VALIDATION_FAILED', 'allottedWorkingHours'));
  });
  refusesWhatDidNotHappen((occurredAt) => ({ type: 'Transfer', toUnitId: 'U3', occurredAt }));
});

describe('RequestSupplement', () => {
  it('stops the clock and records the office time left until the due instant', () => {
    given(received())
      .when({ type: 'RequestSupplement', reason: 'missing map', occurredAt: TUE_9 })
      .then([{ type: 'DossierSupplementRequested', data: { unitId: 'U1', reason: 'missing map', requestedAt: iso(TUE_9), remainingWorkingMs: 15 * WORKING_HOUR_MS } }]);
  });
  it('is asked by the unit holding the dossier', () => {
    given(received(), transferred('U2', MON_10)).when({ type: 'RequestSupplement', reason: 'r', occurredAt: TUE_9 }).then([{ type: 'DossierSupplementRequested', data: { unitId: 'U2' } }]);
  });
  it('refuses a second request, also after the first was supplied', () => {
    given(received(), supplementRequested()).when({ type: 'RequestSupplement', reason: 'r', occurredAt: TUE_9 }).then(refused('ILLEGAL_TRANSITION'));
    given(received(), supplementRequested(), supplemented(TUE_9, vn('2025-03-07', '09:00')))
      .when({ type: 'RequestSupplement', reason: 'r', occurredAt: vn('2025-03-05', '09:00') })
      .then(refused('ILLEGAL_TRANSITION'));
  });
  it('refuses a dossier resolved or withdrawn', () => {
    given(received(), resolved(TUE_9)).when({ type: 'RequestSupplement', reason: 'r', occurredAt: TUE_9 }).then(refused('ILLEGAL_TRANSITION'));
    given(received(), withdrawn(TUE_9)).when({ type: 'RequestSupplement', reason: 'r', occurredAt: TUE_9 }).then(refused('ILLEGAL_TRANSITION'));
  });
  refusesWhatDidNotHappen((occurredAt) => ({ type: 'RequestSupplement', reason: 'r', occurredAt }));
});

describe('Supplement', () => {
  const SUPPLIED = vn('2025-03-10', '10:00');
  it('restart: the clock starts again from the supplement with the whole statutory time', () => {
    given(received(), supplementRequested())
      .when({ type: 'Supplement', occurredAt: SUPPLIED })
      .then([
        {
          type: 'DossierSupplemented',
          data: { supplementedAt: iso(SUPPLIED), rule: 'restart', clockStartAt: iso(SUPPLIED), dueAt: iso(vn('2025-03-13', '10:00')), calendarRevision: 0 },
          occurredAt: SUPPLIED,
        },
      ]);
  });
  it('pause: the clock goes on from the supplement with the office time left at the request', () => {
    given(received({ onSupplement: 'pause' }), supplementRequested())
      .when({ type: 'Supplement', occurredAt: SUPPLIED })
      .then([{ type: 'DossierSupplemented', data: { rule: 'pause', clockStartAt: iso(SUPPLIED), dueAt: iso(vn('2025-03-12', '10:00')) } }]);
  });
  it('after the cutoff, from the next opening', () => {
    given(received(), supplementRequested())
      .when({ type: 'Supplement', occurredAt: vn('2025-03-10', '16:00') })
      .then([{ type: 'DossierSupplemented', data: { clockStartAt: iso(vn('2025-03-11', '08:00')), dueAt: iso(vn('2025-03-13', '17:00')) } }]);
  });
  it('the dossier runs again towards the new due: resolved by it, on time', () => {
    given(received(), supplementRequested(), supplemented(SUPPLIED, vn('2025-03-13', '10:00')))
      .when({ type: 'Resolve', outcome: 'approved', resultDigitized: false, occurredAt: vn('2025-03-13', '09:00') })
      .then([{ type: 'DossierResolved', data: { dueAt: iso(vn('2025-03-13', '10:00')), timeliness: 'on_time' } }]);
  });
  it('refuses a dossier not awaiting the citizen', () => {
    given(received()).when({ type: 'Supplement', occurredAt: SUPPLIED }).then(refused('ILLEGAL_TRANSITION'));
    given(received(), supplementRequested(), supplemented(TUE_9, vn('2025-03-07', '09:00'))).when({ type: 'Supplement', occurredAt: SUPPLIED }).then(refused('ILLEGAL_TRANSITION'));
    given(received(), supplementRequested(), withdrawn(TUE_9)).when({ type: 'Supplement', occurredAt: SUPPLIED }).then(refused('ILLEGAL_TRANSITION'));
  });
  it('refuses a new due the calendar would put after 2100', () => {
    given(received({ statutoryWorkingDays: 45 }), supplementRequested()).when({ type: 'Supplement', occurredAt: SUPPLIED }, { calendar: slowCalendar }).then(refused('VALIDATION_FAILED', 'occurredAt'));
  });
  refusesWhatDidNotHappen((occurredAt) => ({ type: 'Supplement', occurredAt }));
});

describe('Apologize', () => {
  const apologize = (occurredAt: number, newAppointmentAt = vn('2025-03-10', '09:00')): DossierCommand => ({ type: 'Apologize', reason: 'late survey', responsibleUnitId: 'U2', newAppointmentAt, occurredAt });
  it('a working day or more before the due instant: issued in time', () => {
    given(received())
      .when(apologize(MON_10))
      .then([
        {
          type: 'DossierApologyIssued',
          data: { reason: 'late survey', responsibleUnitId: 'U2', issuedAt: iso(MON_10), newAppointmentAt: iso(vn('2025-03-10', '09:00')), issuedInTime: true },
          occurredAt: MON_10,
        },
      ]);
    given(received()).when(apologize(vn('2025-03-04', '17:00'))).then([{ type: 'DossierApologyIssued', data: { issuedInTime: true } }]);
  });
  it('later than that: accepted (it happened) but flagged', () => {
    given(received()).when(apologize(vn('2025-03-05', '10:00'))).then([{ type: 'DossierApologyIssued', data: { issuedInTime: false } }]);
    given(received()).when(apologize(vn('2025-03-06', '10:00'))).then([{ type: 'DossierApologyIssued', data: { issuedInTime: false } }]);
  });
  it('also while awaiting the citizen', () => {
    given(received(), supplementRequested()).when(apologize(TUE_9)).then([{ type: 'DossierApologyIssued' }]);
  });
  it('the appointment is the new one from then on, and the resolution says the dossier was apologised for', () => {
    given(received(), apologized(MON_10, vn('2025-03-10', '09:00')))
      .when({ type: 'Resolve', outcome: 'approved', resultDigitized: false, occurredAt: vn('2025-03-07', '09:00') })
      .then([{ type: 'DossierResolved', data: { timeliness: 'late', apologized: true } }]);
  });
  it('refuses a second apology', () => {
    given(received(), apologized(MON_10, vn('2025-03-10', '09:00'))).when(apologize(TUE_9)).then(refused('ILLEGAL_TRANSITION'));
  });
  it('refuses a dossier resolved, returned or withdrawn', () => {
    given(received(), resolved(MON_10)).when(apologize(TUE_9)).then(refused('ILLEGAL_TRANSITION'));
    given(received(), resolved(MON_10), returned(MON_10)).when(apologize(TUE_9)).then(refused('ILLEGAL_TRANSITION'));
    given(received(), withdrawn(MON_10)).when(apologize(TUE_9)).then(refused('ILLEGAL_TRANSITION'));
  });
  it('refuses a new appointment not after the apology, or from 2100 on', () => {
    given(received()).when(apologize(TUE_9, TUE_9)).then(refused('VALIDATION_FAILED', 'newAppointmentAt'));
    given(received()).when(apologize(TUE_9, MON_10)).then(refused('VALIDATION_FAILED', 'newAppointmentAt'));
    given(received()).when(apologize(TUE_9, Date.UTC(2100, 0, 1))).then(refused('VALIDATION_FAILED', 'newAppointmentAt'));
    given(received()).when(apologize(TUE_9, Date.UTC(2099, 11, 31))).then([{ type: 'DossierApologyIssued' }]);
  });
  refusesWhatDidNotHappen((occurredAt) => apologize(occurredAt));
});

describe('Resolve', () => {
  const resolve = (occurredAt: number): DossierCommand => ({ type: 'Resolve', outcome: 'refused', resultDigitized: true, occurredAt });
  it('on an earlier local day than the due: early, at the unit holding it', () => {
    given(received(), transferred('U2', MON_10))
      .when(resolve(TUE_9))
      .then([
        {
          type: 'DossierResolved',
          data: { outcome: 'refused', resolvedAt: iso(TUE_9), resultDigitized: true, unitId: 'U2', dueAt: iso(DUE), timeliness: 'early', responsibleUnitIds: [], apologized: false },
        },
      ]);
  });
  it('on the due\'s day, up to the due instant: on time', () => {
    given(received()).when(resolve(DUE)).then([{ type: 'DossierResolved', data: { timeliness: 'on_time' } }]);
  });
  it('after the due instant: late, blaming the holder at the due instant', () => {
    given(received(), transferred('U2', MON_10)).when(resolve(vn('2025-03-06', '09:00'))).then([{ type: 'DossierResolved', data: { timeliness: 'late', responsibleUnitIds: ['U2'] } }]);
  });
  it('late, with a step that overran its allotment: blaming that step\'s unit', () => {
    given(received(), transferred('U2', MON_10, vn('2025-03-03', '17:00')), transferred('U3', TUE_9, undefined, 'U2'))
      .when(resolve(vn('2025-03-06', '09:00')))
      .then([{ type: 'DossierResolved', data: { timeliness: 'late', unitId: 'U3', responsibleUnitIds: ['U2'] } }]);
  });
  it('a late entry of a resolution that happened before the due instant is on time, even after the overdue mark', () => {
    given(received(), transferred('U2', TUE_9), overdue())
      .when(resolve(vn('2025-03-05', '16:00')))
      .then([{ type: 'DossierResolved', data: { timeliness: 'on_time', unitId: 'U2' } }]);
  });
  it('refuses a dossier awaiting the citizen, resolved, returned or withdrawn', () => {
    given(received(), supplementRequested()).when(resolve(TUE_9)).then(refused('ILLEGAL_TRANSITION'));
    given(received(), resolved(MON_10)).when(resolve(TUE_9)).then(refused('ILLEGAL_TRANSITION'));
    given(received(), resolved(MON_10), returned(MON_10)).when(resolve(TUE_9)).then(refused('ILLEGAL_TRANSITION'));
    given(received(), withdrawn(MON_10)).when(resolve(TUE_9)).then(refused('ILLEGAL_TRANSITION'));
  });
  refusesWhatDidNotHappen(resolve);
});

describe('ReturnResult', () => {
  it('returns the result of a resolved dossier', () => {
    given(received(), resolved(MON_10)).when({ type: 'ReturnResult', occurredAt: TUE_9 }).then([{ type: 'DossierResultReturned', data: { returnedAt: iso(TUE_9) }, occurredAt: TUE_9 }]);
  });
  it('refuses a dossier not resolved, or whose result was returned already', () => {
    given(received()).when({ type: 'ReturnResult', occurredAt: TUE_9 }).then(refused('ILLEGAL_TRANSITION'));
    given(received(), supplementRequested()).when({ type: 'ReturnResult', occurredAt: TUE_9 }).then(refused('ILLEGAL_TRANSITION'));
    given(received(), withdrawn(MON_10)).when({ type: 'ReturnResult', occurredAt: TUE_9 }).then(refused('ILLEGAL_TRANSITION'));
    given(received(), resolved(MON_10), returned(MON_10)).when({ type: 'ReturnResult', occurredAt: TUE_9 }).then(refused('ILLEGAL_TRANSITION'));
  });
  refusesWhatDidNotHappen((occurredAt) => ({ type: 'ReturnResult', occurredAt }));
});

describe('Withdraw', () => {
  it('withdraws a dossier running or awaiting the citizen', () => {
    given(received()).when({ type: 'Withdraw', reason: 'moved away', occurredAt: TUE_9 }).then([{ type: 'DossierWithdrawn', data: { reason: 'moved away', withdrawnAt: iso(TUE_9) } }]);
    given(received(), supplementRequested()).when({ type: 'Withdraw', reason: 'r', occurredAt: TUE_9 }).then([{ type: 'DossierWithdrawn' }]);
  });
  it('refuses a dossier resolved, returned or withdrawn', () => {
    given(received(), resolved(MON_10)).when({ type: 'Withdraw', reason: 'r', occurredAt: TUE_9 }).then(refused('ILLEGAL_TRANSITION'));
    given(received(), resolved(MON_10), returned(MON_10)).when({ type: 'Withdraw', reason: 'r', occurredAt: TUE_9 }).then(refused('ILLEGAL_TRANSITION'));
    given(received(), withdrawn(MON_10)).when({ type: 'Withdraw', reason: 'r', occurredAt: TUE_9 }).then(refused('ILLEGAL_TRANSITION'));
  });
  it('accepts an occurredAt up to a minute ahead of the service\'s clock', () => {
    given(received()).when({ type: 'Withdraw', reason: 'r', occurredAt: NOW + 59_000 }).then([{ type: 'DossierWithdrawn' }]);
  });
  refusesWhatDidNotHappen((occurredAt) => ({ type: 'Withdraw', reason: 'r', occurredAt }));
});

describe('MarkOverdue (the service\'s own)', () => {
  const after = vn('2025-03-06', '08:00');
  it('once the due instant has passed, at the due instant, naming the holder then', () => {
    given(received(), transferred('U2', MON_10))
      .when({ type: 'MarkOverdue' }, { now: after })
      .then([{ type: 'DossierBecameOverdue', data: { dueAt: iso(DUE), unitId: 'U2' }, occurredAt: DUE }]);
  });
  it('nothing before the due instant, while awaiting the citizen, when closed, or when marked already', () => {
    given(received()).when({ type: 'MarkOverdue' }, { now: DUE }).then([]);
    given(received(), supplementRequested()).when({ type: 'MarkOverdue' }, { now: after }).then([]);
    given(received(), resolved(MON_10)).when({ type: 'MarkOverdue' }, { now: after }).then([]);
    given(received(), withdrawn(MON_10)).when({ type: 'MarkOverdue' }, { now: after }).then([]);
    given(received(), overdue()).when({ type: 'MarkOverdue' }, { now: after }).then([]);
  });
  it('again for the new due after a supplement', () => {
    const newDue = vn('2025-03-13', '10:00');
    given(received(), overdue(), supplementRequested(vn('2025-03-06', '09:00')), supplemented(vn('2025-03-10', '10:00'), newDue))
      .when({ type: 'MarkOverdue' }, { now: vn('2025-03-14', '08:00') })
      .then([{ type: 'DossierBecameOverdue', data: { dueAt: iso(newDue) } }]);
  });
  it('refuses a dossier never received', () => {
    given().when({ type: 'MarkOverdue' }, { now: after }).then(refused('NOT_FOUND'));
  });
});

describe('Replan (the service\'s own; issue 22 in replan.spec.ts)', () => {
  it('nothing when the calendar in force counts the same due', () => {
    given(received()).when({ type: 'Replan' }).then([]);
  });
  it('refuses a dossier never received', () => {
    given().when({ type: 'Replan' }).then(refused('NOT_FOUND'));
  });
});

describe('timeliness and responsibility', () => {
  it('classifies by local calendar day and due instant', () => {
    expect(classify(vn('2025-03-04', '23:59'), DUE)).toBe('early');
    expect(classify(vn('2025-03-05', '00:00'), DUE)).toBe('on_time');
    expect(classify(DUE, DUE)).toBe('on_time');
    expect(classify(DUE + 1, DUE)).toBe('late');
  });

  it('blames the units whose allotted steps overran, else the holder at the due instant', () => {
    const steps = [
      { unitId: 'U1', enteredAt: vn('2025-03-03', '08:00') },
      { unitId: 'U2', enteredAt: vn('2025-03-03', '09:00'), dueAt: vn('2025-03-03', '17:00') },
      { unitId: 'U3', enteredAt: vn('2025-03-04', '09:00'), dueAt: vn('2025-03-10', '17:00') },
    ];
    expect(responsibleUnits(steps, DUE, vn('2025-03-06', '09:00'))).toEqual(['U2']);
    const unallotted = steps.map(({ unitId, enteredAt }) => ({ unitId, enteredAt }));
    expect(responsibleUnits(unallotted, DUE, vn('2025-03-06', '09:00'))).toEqual(['U3']);
    expect(responsibleUnits(unallotted, vn('2025-03-03', '08:30'), vn('2025-03-06', '09:00'))).toEqual(['U1']);
  });
});
