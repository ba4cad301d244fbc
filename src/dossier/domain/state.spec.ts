/** The fold: each status carries its own fields only, and the service's own events leave lastOccurredAt alone. */
import { describe, expect, it } from '@jest/globals';
import { getDefaultCalendar } from '../../calendar/index.js';
import { decide, type DecideContext, type DossierCommand } from './decide.js';
import { type DossierState, evolve, initialState } from './state.js';

const vn = (date: string, time: string) => Date.parse(`${date}T${time}:00+07:00`);
const ctx = (now: number): DecideContext => ({ calendar: getDefaultCalendar(), calendarRevision: 0, now });
const procedure = { code: 'P', name: 'p', statutoryWorkingDays: 3, onSupplement: 'pause' as const };

/** Folds what the decider decides for each command, in turn. */
function fold(...commands: [DossierCommand, number][]): DossierState {
  let state = initialState;
  let revision = 0;
  for (const [command, now] of commands) for (const d of decide(command, state, ctx(now))) state = evolve(state, d.event, revision++, d.occurredAt);
  return state;
}

const receive: [DossierCommand, number] = [{ type: 'Receive', dossierId: 'D1', procedure, unitId: 'U1', channel: 'online', receivedAt: vn('2025-03-03', '08:00'), digitized: false }, vn('2025-03-03', '08:00')];
const ask: [DossierCommand, number] = [{ type: 'RequestSupplement', reason: 'r', occurredAt: vn('2025-03-04', '09:00') }, vn('2025-03-04', '09:00')];
const supply: [DossierCommand, number] = [{ type: 'Supplement', occurredAt: vn('2025-03-10', '10:00') }, vn('2025-03-10', '10:00')];

describe('evolve', () => {
  it('awaiting the citizen carries the request; supplied, the clock runs on with what was left, and the request\'s fields go', () => {
    expect(fold(receive, ask)).toMatchObject({ status: 'awaiting_supplement', supplementRequestedAt: vn('2025-03-04', '09:00'), remainingWorkingMs: 15 * 3_600_000 });
    const supplied = fold(receive, ask, supply);
    expect(supplied).toMatchObject({ status: 'received', supplementRequested: true, clockFrom: vn('2025-03-10', '10:00'), clockDurationMs: 15 * 3_600_000, revision: 2 });
    expect(supplied).not.toHaveProperty('supplementRequestedAt');
    expect(supplied).not.toHaveProperty('remainingWorkingMs');
  });

  it('a returned dossier keeps its resolution; the overdue mark moves the revision, not lastOccurredAt', () => {
    const overdue = fold(receive, [{ type: 'MarkOverdue' }, vn('2025-03-07', '08:00')]);
    expect(overdue).toMatchObject({ status: 'received', overdueMarked: true, revision: 1, lastOccurredAt: vn('2025-03-03', '08:00') });
    const returned = fold(receive, [{ type: 'Resolve', outcome: 'approved', resultDigitized: false, occurredAt: vn('2025-03-04', '09:00') }, vn('2025-03-04', '09:00')], [{ type: 'ReturnResult', occurredAt: vn('2025-03-05', '09:00') }, vn('2025-03-05', '09:00')]);
    expect(returned).toMatchObject({ status: 'returned', resolution: { outcome: 'approved', timeliness: 'early' }, returnedAt: vn('2025-03-05', '09:00') });
  });

  it('an event without its DossierReceived folds to nothing', () => {
    expect(evolve(initialState, { type: 'DossierWithdrawn', data: { dossierId: 'D1', reason: 'r', withdrawnAt: '2025-03-03T01:00:00.000Z' } }, 0, 0)).toEqual(initialState);
  });
});
