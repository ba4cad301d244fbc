import { describe, expect, it } from '@jest/globals';
import type { DossierEvent } from '../../src/dossier/events.js';
import { parseInstant } from '../../src/common/iso-instant.js';
import { type DossierView, evolveDossierView, evolveDossierViewInPlace, isOverdueAt } from '../../src/projections/views/dossier-view.js';
import { prng } from '../../bench/support/synthetic-history.js';
import { indexEntriesOf, D, S } from '../../src/projections/report-index/timeliness-index.js';

const t = (local: string) => Date.parse(`2025-03-${local}+07:00`);
const iso = (local: string) => new Date(t(local)).toISOString();

const received: DossierEvent = {
  type: 'DossierReceived',
  data: {
    dossierId: 'd1',
    procedureCode: 'P.A',
    unitId: 'C1',
    channel: 'online',
    receivedAt: iso('03T09:00:00'),
    digitized: true,
    statutoryWorkingDays: 3,
    onSupplement: 'restart',
    calendarRevision: 0,
    clockStartAt: iso('03T09:00:00'),
    dueAt: iso('06T09:00:00'),
  },
};

/** given(events) folded through evolve, positions 1, 2, ... */
function given(...events: DossierEvent[]): DossierView {
  let view: DossierView | undefined;
  events.forEach((e, i) => (view = evolveDossierView(view, e, { revision: i, position: i + 1 })));
  if (!view) throw new Error('no view');
  return view;
}

const transfer = (to: string, at: string, stepDue?: string): DossierEvent => ({
  type: 'DossierTransferred',
  data: {
    dossierId: 'd1',
    fromUnitId: 'C1',
    toUnitId: to,
    transferredAt: iso(at),
    calendarRevision: 0,
    ...(stepDue ? { allottedWorkingHours: 4, stepDueAt: iso(stepDue) } : {}),
  },
});
const request: DossierEvent = {
  type: 'DossierSupplementRequested',
  data: { dossierId: 'd1', unitId: 'C1', reason: 'page 2', requestedAt: iso('04T10:00:00'), remainingWorkingMs: 1 },
};
const supplemented: DossierEvent = {
  type: 'DossierSupplemented',
  data: {
    dossierId: 'd1',
    supplementedAt: iso('10T08:30:00'),
    rule: 'restart',
    clockStartAt: iso('10T08:30:00'),
    dueAt: iso('13T08:30:00'),
    calendarRevision: 0,
  },
};
const apology: DossierEvent = {
  type: 'DossierApologyIssued',
  data: {
    dossierId: 'd1',
    reason: 'backlog',
    responsibleUnitId: 'X1',
    issuedAt: iso('05T09:00:00'),
    newAppointmentAt: iso('12T09:00:00'),
    issuedInTime: true,
  },
};
const resolved = (at: string, timeliness: 'early' | 'on_time' | 'late', apologized = false): DossierEvent => ({
  type: 'DossierResolved',
  data: {
    dossierId: 'd1',
    outcome: 'approved',
    resolvedAt: iso(at),
    resultDigitized: true,
    unitId: 'X1',
    dueAt: iso('06T09:00:00'),
    timeliness,
    responsibleUnitIds: timeliness === 'late' ? ['X1'] : [],
    apologized,
  },
});
const returned: DossierEvent = { type: 'DossierResultReturned', data: { dossierId: 'd1', returnedAt: iso('14T10:00:00') } };
const withdrawn: DossierEvent = { type: 'DossierWithdrawn', data: { dossierId: 'd1', reason: 'moved away', withdrawnAt: iso('05T11:00:00') } };
const overdue: DossierEvent = { type: 'DossierBecameOverdue', data: { dossierId: 'd1', dueAt: iso('06T09:00:00'), unitId: 'X1' } };

describe('dossier view: evolve, one event type at a time', () => {
  it('DossierReceived opens the dossier at the receiving unit with its due instant and a first step', () => {
    const v = given(received);
    expect(v).toMatchObject({
      dossierId: 'd1',
      seq: 1,
      unitId: 'C1',
      currentUnitId: 'C1',
      status: 'received',
      receivedAt: t('03T09:00:00'),
      dueAt: t('06T09:00:00'),
      appointmentAt: t('06T09:00:00'),
      segments: [{ start: t('03T09:00:00'), due: t('06T09:00:00'), end: null }],
      steps: [{ unitId: 'C1', enteredAt: t('03T09:00:00'), leftAt: null, allottedWorkingHours: null, stepDueAt: null }],
      closure: null,
    });
  });

  it('DossierTransferred ends the step at the sender and opens one at the receiver, with its allotment', () => {
    const v = given(received, transfer('X1', '03T14:00:00', '04T10:00:00'));
    expect(v.currentUnitId).toBe('X1');
    expect(v.steps).toEqual([
      { unitId: 'C1', enteredAt: t('03T09:00:00'), leftAt: t('03T14:00:00'), allottedWorkingHours: null, stepDueAt: null },
      { unitId: 'X1', enteredAt: t('03T14:00:00'), leftAt: null, allottedWorkingHours: 4, stepDueAt: t('04T10:00:00') },
    ]);
  });

  it('DossierSupplementRequested stops the clock: awaiting, never overdue while awaiting', () => {
    const v = given(received, request);
    expect(v.status).toBe('awaiting_supplement');
    expect(v.segments[0].end).toBe(t('04T10:00:00'));
    expect(v.awaiting).toEqual([{ start: t('04T10:00:00'), end: null }]);
    expect(isOverdueAt(v, t('09T00:00:00'))).toBe(false);
  });

  it('DossierSupplemented restarts the clock with the new due instant, which is the one in force from then', () => {
    const v = given(received, request, supplemented);
    expect(v.status).toBe('received');
    expect(v.dueAt).toBe(t('13T08:30:00'));
    expect(v.awaiting).toEqual([{ start: t('04T10:00:00'), end: t('10T08:30:00') }]);
    expect(v.segments[1]).toEqual({ start: t('10T08:30:00'), due: t('13T08:30:00'), end: null });
    expect(isOverdueAt(v, t('10T09:00:00'))).toBe(false);
    expect(isOverdueAt(v, t('13T09:00:00'))).toBe(true);
  });

  it('DossierApologyIssued moves the appointment, not the due instant', () => {
    const v = given(received, apology);
    expect(v.apologized).toBe(true);
    expect(v.appointmentAt).toBe(t('12T09:00:00'));
    expect(v.dueAt).toBe(t('06T09:00:00'));
  });

  it('DossierResolved closes everything at the resolution instant and keeps the classification of the event', () => {
    const v = given(received, transfer('X1', '03T14:00:00', '04T10:00:00'), apology, resolved('07T10:00:00', 'late', true));
    expect(v).toMatchObject({ status: 'resolved', closure: 'resolved', closedAt: t('07T10:00:00'), timeliness: 'late', apologized: true });
    expect(v.steps[1].leftAt).toBe(t('07T10:00:00'));
    expect(v.segments[0].end).toBe(t('07T10:00:00'));
    expect(indexEntriesOf(v)).toEqual(
      expect.arrayContaining([
        { category: D.RESOLVED_LATE_WITH_APOLOGY, at: t('07T10:00:00'), handler: null },
        { category: D.OVERDUE_START, at: t('06T09:00:00'), handler: null },
        { category: D.OVERDUE_END, at: t('07T10:00:00'), handler: null },
        { category: S.LEFT_LATE, at: t('07T10:00:00'), handler: 'X1' },
        { category: S.RESPONSIBLE_FOR_LATE, at: t('07T10:00:00'), handler: 'X1' },
      ]),
    );
  });

  it('the digitised flags: a digitised reception counts at receipt, a digitised result at the resolution (never for a withdrawal)', () => {
    const digitizedAt = (v: DossierView) => indexEntriesOf(v).filter((e) => e.category === D.RECEIVED_DIGITIZED || e.category === D.RESOLVED_RESULT_DIGITIZED);
    expect(digitizedAt(given(received))).toEqual([{ category: D.RECEIVED_DIGITIZED, at: t('03T09:00:00'), handler: null }]);
    const resolvedView = given(received, resolved('05T10:00:00', 'early'));
    expect(resolvedView.resultDigitized).toBe(true);
    expect(digitizedAt(resolvedView)).toEqual([
      { category: D.RECEIVED_DIGITIZED, at: t('03T09:00:00'), handler: null },
      { category: D.RESOLVED_RESULT_DIGITIZED, at: t('05T10:00:00'), handler: null },
    ]);
    const onPaper = (e: DossierEvent) => ({ ...e, data: { ...e.data, digitized: false, resultDigitized: false } }) as unknown as DossierEvent;
    const paper = given(onPaper(received), onPaper(resolved('05T10:00:00', 'early')));
    expect(paper).toMatchObject({ digitized: false, resultDigitized: false });
    expect(digitizedAt(paper)).toEqual([]);
    expect(digitizedAt(given(received, withdrawn)).map((e) => e.category)).toEqual([D.RECEIVED_DIGITIZED]);
  });

  it('DossierResultReturned ends the lifecycle without changing any count', () => {
    const before = given(received, resolved('05T10:00:00', 'early'));
    const after = given(received, resolved('05T10:00:00', 'early'), returned);
    expect(after.status).toBe('returned');
    expect(after.returnedAt).toBe(t('14T10:00:00'));
    expect(indexEntriesOf(after)).toEqual(indexEntriesOf(before));
  });

  it('DossierWithdrawn closes the dossier as withdrawn, also while awaiting a supplement', () => {
    const v = given(received, request, withdrawn);
    expect(v).toMatchObject({ status: 'withdrawn', closure: 'withdrawn', closedAt: t('05T11:00:00') });
    expect(v.awaiting).toEqual([{ start: t('04T10:00:00'), end: t('05T11:00:00') }]);
    expect(indexEntriesOf(v)).toContainEqual({ category: D.WITHDRAWN, at: t('05T11:00:00'), handler: null });
  });

  it('DossierBecameOverdue marks the dossier (the watcher does not mark it again)', () => {
    const v = given(received, overdue);
    expect(v.overdueMarked).toBe(true);
    expect(given(received, overdue, request, supplemented).overdueMarked).toBe(false);
  });

  it('the same event delivered twice (same position) changes nothing', () => {
    const v = given(received, transfer('X1', '03T14:00:00'));
    expect(evolveDossierView(v, transfer('X1', '03T14:00:00'), { revision: 1, position: 2 })).toBe(v);
    expect(evolveDossierView(v, received, { revision: 0, position: 1 })).toBe(v);
  });

  it('evolve leaves the view it is given as it was; the in-place fold reaches the same views', () => {
    const history = [received, transfer('X1', '03T14:00:00', '04T14:00:00'), request, supplemented, transfer('X2', '05T10:00:00'), resolved('06T08:00:00', 'on_time')];
    let pure: DossierView | undefined;
    let inPlace: DossierView | undefined;
    history.forEach((e, i) => {
      const at = { revision: i, position: i + 1 };
      const before = structuredClone(pure);
      const next = evolveDossierView(pure, e, at);
      expect(pure).toStrictEqual(before);
      expect(next).not.toBe(pure);
      pure = next;
      inPlace = evolveDossierViewInPlace(inPlace, e, at);
      expect(inPlace).toStrictEqual(pure);
    });
    expect(pure?.steps).toHaveLength(3);
    expect(pure?.segments).toHaveLength(2);
    expect(evolveDossierViewInPlace(inPlace, history[1], { revision: 1, position: 2 })).toStrictEqual(pure);
  });

  it('events of a dossier never received are ignored', () => {
    expect(evolveDossierView(undefined, overdue, { revision: 0, position: 1 })).toBeUndefined();
  });

  it('an on-time resolution on the due day is on time; the classification is the event\'s', () => {
    const v = given(received, resolved('06T08:00:00', 'on_time'));
    expect(indexEntriesOf(v)).toContainEqual({ category: D.RESOLVED_ON_TIME, at: t('06T08:00:00'), handler: null });
    expect(indexEntriesOf(v).some((e) => e.category === D.OVERDUE_START)).toBe(false);
  });
});

describe('dossier view: DossierDueReplanned (issue 22)', () => {
  const replanned = (at: string, newDue: string, step?: string): DossierEvent => ({
    type: 'DossierDueReplanned',
    data: {
      dossierId: 'd1',
      replannedAt: iso(at),
      oldDueAt: iso('06T09:00:00'),
      newDueAt: iso(newDue),
      clockStartAt: iso('03T09:00:00'),
      calendarRevision: 1,
      ...(step ? { step: { unitId: 'X1', oldStepDueAt: iso('04T10:00:00'), newStepDueAt: iso(step) } } : {}),
    },
  });

  it('the new due is in force from the re-plan on; before it, the old one still answers (as-of reports)', () => {
    const v = given(received, replanned('05T12:00:00', '05T09:00:00'));
    expect(v).toMatchObject({ dueAt: t('05T09:00:00'), appointmentAt: t('05T09:00:00'), overdueMarked: false });
    expect(v.segments).toEqual([
      { start: t('03T09:00:00'), end: t('05T12:00:00'), due: t('06T09:00:00') },
      { start: t('05T12:00:00'), end: null, due: t('05T09:00:00') },
    ]);
    expect(isOverdueAt(v, t('05T11:00:00'))).toBe(false); // the old due, 6/3 09:00, was in force
    expect(isOverdueAt(v, t('05T13:00:00'))).toBe(true);
    expect(indexEntriesOf(v).filter((e) => e.category === D.OVERDUE_START)).toEqual([{ category: D.OVERDUE_START, at: t('05T12:00:00'), handler: null }]);
  });

  it('moves the open step\'s due; keeps an apology\'s appointment', () => {
    const v = given(received, transfer('X1', '03T14:00:00', '04T10:00:00'), apology, replanned('04T08:00:00', '07T09:00:00', '04T15:00:00'));
    expect(v.steps[1].stepDueAt).toBe(t('04T15:00:00'));
    expect(v.appointmentAt).toBe(t('12T09:00:00'));
    expect(v.dueAt).toBe(t('07T09:00:00'));
  });

  it('a resolution entered late, before the re-plan instant, closes what ran then and nothing after', () => {
    const v = given(received, replanned('06T12:00:00', '07T09:00:00'), resolved('06T10:00:00', 'late'));
    expect(v.segments.map((s) => s.end)).toEqual([t('06T10:00:00'), t('06T10:00:00')]);
    // Overdue from the old due (6/3 09:00) until the resolution, not until the re-plan.
    expect(indexEntriesOf(v).filter((e) => e.category === D.OVERDUE_START || e.category === D.OVERDUE_END)).toEqual([
      { category: D.OVERDUE_START, at: t('06T09:00:00'), handler: null },
      { category: D.OVERDUE_END, at: t('06T10:00:00'), handler: null },
    ]);
  });

  it('leaves a closed or awaiting dossier\'s due as it was (the decider never re-plans those)', () => {
    const v = given(received, request, replanned('05T12:00:00', '05T09:00:00'));
    expect(v.dueAt).toBe(t('06T09:00:00'));
    expect(v.segments).toHaveLength(1);
  });
});

describe('parseInstant', () => {
  it('equals Date.parse: instants from toISOString over four centuries, and every other shape', () => {
    const random = prng(17);
    const samples = [
      '2024-02-29T23:59:59.999Z',
      '2025-02-29T10:00:00.000Z', // rolled over by Date.parse
      '2025-02-31T00:00:00.000Z',
      '2025-04-31T00:00:00.000Z',
      '2100-02-29T00:00:00.000Z',
      '2000-02-29T00:00:00.000Z',
      '2025-01-01T24:00:00.000Z',
      '2025-01-01T23:60:00.000Z',
      '2025-00-10T00:00:00.000Z',
      '0050-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '2025-01-01T00:00:00.000+07:00',
      '2025-01-01T07:00:00+07:00',
      '2025-01-01T00:00:00Z',
      '2025-01-01 00:00:00.000Z',
      '2025-1a-01T00:00:00.000Z',
      '+002025-01-01T00:00:00.000Z',
      'not an instant',
      '',
    ];
    for (let i = 0; i < 20_000; i++) samples.push(new Date(Math.floor((random() - 0.3) * 1.2e13)).toISOString());
    for (const s of samples) expect([s, parseInstant(s)]).toEqual([s, Date.parse(s)]);
  });
});

describe('dossier view: events it cannot take (issue 21)', () => {
  const refused = (view: DossierView | undefined, event: DossierEvent, streamId?: string) => () =>
    evolveDossierViewInPlace(view, event, { revision: 1, position: 99, ...(streamId ? { streamId } : {}) });

  it('refuses instants the report index cannot hold, and fields of the wrong kind, naming the field', () => {
    const at = (receivedAt: string) => ({ ...received, data: { ...received.data, receivedAt } }) as DossierEvent;
    expect(refused(undefined, at('1800-01-01T02:00:00.000Z'))).toThrow(/receivedAt "1800-01-01/);
    expect(refused(undefined, at('0000-01-01T02:00:00.000Z'))).toThrow(/receivedAt/);
    expect(refused(undefined, at('not an instant'))).toThrow(/receivedAt/);
    expect(refused(undefined, { ...received, data: { ...received.data, dueAt: '2110-01-01T00:00:00.000Z' } } as DossierEvent)).toThrow(/dueAt/);
    expect(refused(undefined, { ...received, data: { ...received.data, channel: 'fax' } } as unknown as DossierEvent)).toThrow(/channel/);
    expect(refused(undefined, { ...received, data: { ...received.data, unitId: 7 } } as unknown as DossierEvent)).toThrow(/unitId/);
    expect(refused(undefined, received, 'dossier-someone-else')).toThrow(/stream/);
    expect(refused(undefined, received, 'dossier-d1')).not.toThrow();
    // Instants the index holds, outside what the service accepts today, are still applied (older logs).
    expect(refused(undefined, at('1990-01-01T02:00:00.000Z'))).not.toThrow();
  });

  it('a refused event leaves the view exactly as it was, even when folded in place', () => {
    const view = given(received, transfer('C2', '04T09:00:00'));
    const copy = structuredClone(view);
    const bad = transfer('C3', '05T09:00:00', '05T12:00:00');
    (bad.data as { stepDueAt?: string }).stepDueAt = '9999-99-99';
    expect(refused(view, bad)).toThrow(/stepDueAt/);
    const badSupplement = { ...supplemented, data: { ...supplemented.data, clockStartAt: 'never' } } as DossierEvent;
    const awaiting = given(received, request);
    const awaitingCopy = structuredClone(awaiting);
    expect(refused(awaiting, badSupplement)).toThrow(/clockStartAt/);
    expect(view).toEqual(copy);
    expect(awaiting).toEqual(awaitingCopy);
  });
});
