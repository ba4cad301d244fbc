/**
 * The decider's re-plan (issue 22), given/when/then: a due counted on a provisional 2027 is
 * counted again once an official 2027 is in force.
 */
import { describe, expect, it } from '@jest/globals';
import {
  bookFromSpec,
  compileBook,
  getDefaultCalendar,
  loadDefaultCalendarSpec,
  localInstant,
  provisionalYear,
  withYear,
} from '../../calendar/index.js';
import type { DossierEvent } from '../events.js';
import { type DecideContext, type Decided, decide, type DossierCommand } from './decide.js';
import { type DossierState, evolve, initialState } from './state.js';

const vn = (date: string, time: string) => localInstant(date, time);
const utc = (date: string, time: string) => new Date(vn(date, time)).toISOString();

const provisional: DecideContext = { calendar: getDefaultCalendar(), calendarRevision: 0, now: vn('2026-12-28', '11:00') };
/** An announced 2027: the rule's days, Friday 12/2 off to bridge Tết, made up on Saturday 9/1. */
const official: DecideContext = {
  calendar: compileBook(
    withYear(bookFromSpec(loadDefaultCalendarSpec()), {
      year: 2027,
      holidays: [...provisionalYear(2027).holidays, '2027-02-12'],
      workingDays: ['2027-01-09'],
      official: true,
      sources: [],
    }),
  ),
  calendarRevision: 1,
  now: vn('2027-01-05', '09:00'),
};

const procedure = (days: number) => ({ code: 'P', name: 'P', statutoryWorkingDays: days, onSupplement: 'restart' as const });

/** Runs commands in order, each on its context, folding what they decide. */
function history(steps: [DossierCommand, DecideContext][]): { state: DossierState; events: Decided[] } {
  let state: DossierState = initialState;
  const events: Decided[] = [];
  for (const [command, ctx] of steps) {
    for (const d of decide(command, state, ctx)) {
      state = evolve(state, d.event, events.length, d.occurredAt);
      events.push(d);
    }
  }
  return { state, events };
}

const receive = (days: number, at = vn('2026-12-01', '09:00')): [DossierCommand, DecideContext] => [
  { type: 'Receive', dossierId: 'D1', procedure: procedure(days), unitId: 'U1', channel: 'online', receivedAt: at, digitized: false },
  provisional,
];

describe('Replan', () => {
  it('given a due counted on the provisional 2027, when the official one moves it, then DossierDueReplanned with both instants', () => {
    const { state, events } = history([receive(30)]);
    // 30 days from 1/12/2026 09:00 on the rule: Wednesday 13/1/2027 09:00, provisional.
    expect(events[0].event).toMatchObject({ type: 'DossierReceived', data: { dueAt: utc('2027-01-13', '09:00'), calendarProvisional: true } });
    const decided = decide({ type: 'Replan' }, state, official);
    expect(decided).toEqual([
      {
        event: {
          type: 'DossierDueReplanned',
          data: {
            dossierId: 'D1',
            replannedAt: utc('2027-01-05', '09:00'),
            oldDueAt: utc('2027-01-13', '09:00'),
            // Saturday 9/1 worked: day 30 is Monday 11/1, due Tuesday 12/1 09:00; 2027 is official now.
            newDueAt: utc('2027-01-12', '09:00'),
            clockStartAt: utc('2026-12-01', '09:00'),
            calendarRevision: 1,
          },
        },
        occurredAt: official.now,
      },
    ]);
  });

  it('then the state carries the new due (appointment, resolution), and a second re-plan decides nothing', () => {
    const { state } = history([receive(30), [{ type: 'Replan' }, official]]);
    expect(state).toMatchObject({ status: 'received', dueAt: vn('2027-01-12', '09:00'), appointmentAt: vn('2027-01-12', '09:00'), calendarProvisional: false });
    // The re-plan does not move lastOccurredAt: what really happened earlier may still be entered.
    expect((state as { lastOccurredAt: number }).lastOccurredAt).toBe(vn('2026-12-01', '09:00'));
    expect(decide({ type: 'Replan' }, state, official)).toEqual([]);
    const resolved = decide({ type: 'Resolve', outcome: 'approved', resultDigitized: false, occurredAt: vn('2027-01-12', '10:00') }, state, { ...official, now: vn('2027-01-12', '10:00') });
    // Late on the re-planned due (on the old one, 13/1 09:00, it would have been early).
    expect(resolved[0].event).toMatchObject({ type: 'DossierResolved', data: { dueAt: utc('2027-01-12', '09:00'), timeliness: 'late' } });
  });

  it('when the calendar does not move the due, then nothing (a due wholly before the change)', () => {
    const { state } = history([receive(5, vn('2026-12-28', '10:00'))]);
    expect(decide({ type: 'Replan' }, state, official)).toEqual([]);
  });

  it('given a dossier resolved, withdrawn, or awaiting the citizen, then nothing', () => {
    const resolve: [DossierCommand, DecideContext] = [{ type: 'Resolve', outcome: 'approved', resultDigitized: false, occurredAt: vn('2026-12-28', '10:00') }, provisional];
    const withdraw: [DossierCommand, DecideContext] = [{ type: 'Withdraw', reason: 'r', occurredAt: vn('2026-12-28', '10:00') }, provisional];
    const ask: [DossierCommand, DecideContext] = [{ type: 'RequestSupplement', reason: 'r', occurredAt: vn('2026-12-28', '10:00') }, provisional];
    for (const closing of [resolve, withdraw, ask]) {
      const { state } = history([receive(30), closing]);
      expect(decide({ type: 'Replan' }, state, official)).toEqual([]);
    }
    const returned = history([receive(30), resolve, [{ type: 'ReturnResult', occurredAt: vn('2026-12-28', '11:00') }, provisional]]);
    expect(decide({ type: 'Replan' }, returned.state, official)).toEqual([]);
  });

  it('after a supplement, counts from the supplement: restart gives the statutory time again', () => {
    const { state } = history([
      receive(30),
      [{ type: 'RequestSupplement', reason: 'r', occurredAt: vn('2026-12-02', '09:00') }, provisional],
      [{ type: 'Supplement', occurredAt: vn('2026-12-03', '09:00') }, provisional],
    ]);
    // From 3/12 09:00 on the rule: 21 days in December (3/12 the first), 4-8/1 are 22-26,
    // 11-14/1 are 27-30: Friday 15/1 09:00. With Saturday 9/1 worked: Thursday 14/1 09:00.
    expect(state).toMatchObject({ dueAt: vn('2027-01-15', '09:00') });
    const [d] = decide({ type: 'Replan' }, state, official);
    expect(d.event).toMatchObject({ data: { oldDueAt: utc('2027-01-15', '09:00'), newDueAt: utc('2027-01-14', '09:00'), clockStartAt: utc('2026-12-03', '09:00') } });
  });

  it('moves the open step\'s due with its allotment, and says which step', () => {
    const { state, events } = history([
      receive(30),
      [{ type: 'Transfer', toUnitId: 'U2', allottedWorkingHours: 40, occurredAt: vn('2027-01-04', '09:00') }, { ...provisional, now: vn('2027-01-04', '09:00') }],
    ]);
    // 40 h from Monday 4/1 09:00: Monday 11/1 09:00 on the rule, Saturday 9/1 09:00 officially.
    expect(events[1].event).toMatchObject({ type: 'DossierTransferred', data: { stepDueAt: utc('2027-01-11', '09:00'), calendarProvisional: true } });
    const [d] = decide({ type: 'Replan' }, state, official);
    expect((d.event as Extract<DossierEvent, { type: 'DossierDueReplanned' }>).data.step).toEqual({
      unitId: 'U2',
      oldStepDueAt: utc('2027-01-11', '09:00'),
      newStepDueAt: utc('2027-01-09', '09:00'),
    });
    const after = evolve(state, d.event, 2, d.occurredAt);
    expect(after.status !== 'none' && after.steps[1].dueAt).toBe(vn('2027-01-09', '09:00'));
  });
});
