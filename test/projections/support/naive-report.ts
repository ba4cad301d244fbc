/**
 * The reports computed the straightforward way, as the specification reads: for each dossier,
 * fold its events that happened before an instant to know its state then. Independent of the
 * views, intervals and index under test.
 */
import type { DossierEvent } from '../../../src/dossier/events.js';
import type { SyntheticEvent } from '../../../bench/support/synthetic-history.js';
import type { StepRow, TimelinessCounts, UnitTree } from '../../../src/projections/report-index/timeliness-report.js';

interface State {
  unitId: string;
  procedureCode: string;
  closed: boolean;
  awaiting: boolean;
  due: number;
}

const ms = (s: string) => Date.parse(s);

/** Occurred instant carried by the event's data. */
export function instantOf(e: DossierEvent): number | undefined {
  switch (e.type) {
    case 'DossierReceived':
      return ms(e.data.receivedAt);
    case 'DossierTransferred':
      return ms(e.data.transferredAt);
    case 'DossierSupplementRequested':
      return ms(e.data.requestedAt);
    case 'DossierSupplemented':
      return ms(e.data.supplementedAt);
    case 'DossierApologyIssued':
      return ms(e.data.issuedAt);
    case 'DossierResolved':
      return ms(e.data.resolvedAt);
    case 'DossierResultReturned':
      return ms(e.data.returnedAt);
    case 'DossierWithdrawn':
      return ms(e.data.withdrawnAt);
    case 'DossierBecameOverdue':
      return undefined;
    case 'DossierDueReplanned':
      return ms(e.data.replannedAt);
  }
}

function stateAt(events: SyntheticEvent[], x: number): State | undefined {
  let s: State | undefined;
  for (const { event: e } of events) {
    const t = instantOf(e);
    if (t !== undefined && !(t < x)) break;
    switch (e.type) {
      case 'DossierReceived':
        s = { unitId: e.data.unitId, procedureCode: e.data.procedureCode, closed: false, awaiting: false, due: ms(e.data.dueAt) };
        break;
      case 'DossierSupplementRequested':
        s!.awaiting = true;
        break;
      case 'DossierSupplemented':
        s!.awaiting = false;
        s!.due = ms(e.data.dueAt);
        break;
      case 'DossierDueReplanned':
        // In force from the re-plan on, for a running dossier.
        if (!s!.awaiting && !s!.closed) s!.due = ms(e.data.newDueAt);
        break;
      case 'DossierResolved':
      case 'DossierWithdrawn':
        s!.closed = true;
        break;
      default:
        break;
    }
  }
  return s;
}

export const zeroCounts = (): TimelinessCounts => ({
  carriedOver: 0,
  received: { total: 0, online: 0, direct: 0, postal: 0 },
  resolved: { total: 0, early: 0, onTime: 0, late: 0, lateWithApology: 0, lateWithoutApology: 0 },
  withdrawn: 0,
  inProgress: { total: 0, withinDue: 0, overdue: 0, awaitingSupplement: 0 },
  onTimeRate: null,
});

/** The counts over the dossiers accepted by `include` (receiving unit, procedure). */
export function naiveCounts(
  dossiers: SyntheticEvent[][],
  include: (unitId: string, procedureCode: string) => boolean,
  from: number,
  end: number,
): TimelinessCounts {
  const c = zeroCounts();
  for (const events of dossiers) {
    const first = events[0].event;
    if (first.type !== 'DossierReceived' || !include(first.data.unitId, first.data.procedureCode)) continue;
    const atFrom = stateAt(events, from);
    if (atFrom && !atFrom.closed) c.carriedOver++;
    const r = ms(first.data.receivedAt);
    if (from <= r && r < end) {
      c.received.total++;
      c.received[first.data.channel]++;
    }
    for (const { event: e } of events) {
      const t = instantOf(e);
      if (t === undefined || t < from || !(t < end)) continue;
      if (e.type === 'DossierWithdrawn') c.withdrawn++;
      if (e.type === 'DossierResolved') {
        c.resolved.total++;
        if (e.data.timeliness === 'early') c.resolved.early++;
        else if (e.data.timeliness === 'on_time') c.resolved.onTime++;
        else {
          c.resolved.late++;
          if (e.data.apologized) c.resolved.lateWithApology++;
          else c.resolved.lateWithoutApology++;
        }
      }
    }
    const atEnd = stateAt(events, end);
    if (atEnd && !atEnd.closed) {
      c.inProgress.total++;
      if (atEnd.awaiting) c.inProgress.awaitingSupplement++;
      if (!atEnd.awaiting && atEnd.due < end) c.inProgress.overdue++;
      else c.inProgress.withinDue++;
    }
  }
  c.onTimeRate = c.resolved.total === 0 ? null : (c.resolved.early + c.resolved.onTime) / c.resolved.total;
  return c;
}

interface NaiveStep {
  unitId: string;
  enteredAt: number;
  leftAt: number | null;
  stepDueAt: number | null;
}

function stepsOf(events: SyntheticEvent[]): NaiveStep[] {
  const steps: NaiveStep[] = [];
  const leave = (t: number) => {
    const last = steps[steps.length - 1];
    if (last && last.leftAt === null) last.leftAt = t;
  };
  for (const { event: e } of events) {
    if (e.type === 'DossierReceived') steps.push({ unitId: e.data.unitId, enteredAt: ms(e.data.receivedAt), leftAt: null, stepDueAt: null });
    if (e.type === 'DossierTransferred') {
      leave(ms(e.data.transferredAt));
      steps.push({
        unitId: e.data.toUnitId,
        enteredAt: ms(e.data.transferredAt),
        leftAt: null,
        stepDueAt: e.data.stepDueAt === undefined ? null : ms(e.data.stepDueAt),
      });
    }
    if (e.type === 'DossierResolved') leave(ms(e.data.resolvedAt));
    if (e.type === 'DossierWithdrawn') leave(ms(e.data.withdrawnAt));
  }
  return steps;
}

export function naiveStepRows(dossiers: SyntheticEvent[][], receivingUnits: Set<string>, from: number, end: number): StepRow[] {
  const rows = new Map<string, StepRow>();
  const row = (unitId: string) => {
    let r = rows.get(unitId);
    if (!r) {
      r = {
        unitId,
        ended: { total: 0, withAllotment: 0, onTime: 0, late: 0 },
        open: { total: 0, withAllotment: 0, overrunning: 0 },
        responsibleForLate: 0,
      };
      rows.set(unitId, r);
    }
    return r;
  };
  for (const events of dossiers) {
    const first = events[0].event;
    if (first.type !== 'DossierReceived' || !receivingUnits.has(first.data.unitId)) continue;
    for (const s of stepsOf(events)) {
      if (s.leftAt !== null && from <= s.leftAt && s.leftAt < end) {
        const r = row(s.unitId);
        r.ended.total++;
        if (s.stepDueAt !== null) {
          r.ended.withAllotment++;
          if (s.leftAt > s.stepDueAt) r.ended.late++;
          else r.ended.onTime++;
        }
      }
      if (s.enteredAt < end && (s.leftAt === null || !(s.leftAt < end))) {
        const r = row(s.unitId);
        r.open.total++;
        if (s.stepDueAt !== null) {
          r.open.withAllotment++;
          if (s.stepDueAt < end) r.open.overrunning++;
        }
      }
    }
    for (const { event: e } of events) {
      if (e.type !== 'DossierResolved' || e.data.timeliness !== 'late') continue;
      const t = ms(e.data.resolvedAt);
      if (from <= t && t < end) for (const u of new Set(e.data.responsibleUnitIds)) row(u).responsibleForLate++;
    }
  }
  return [...rows.values()]
    .filter((r) => r.ended.total + r.open.total + r.responsibleForLate > 0)
    .sort((a, b) => (a.unitId < b.unitId ? -1 : 1));
}

/** A fixed unit tree for tests: P > (D1, X1 > (C1, C2), X2 > C3). */
export function testTree(): UnitTree & { unitIds: string[]; parentOf: Map<string, string | undefined> } {
  return treeOf(
    new Map<string, string | undefined>([
      ['P', undefined],
      ['D1', 'P'],
      ['X1', 'P'],
      ['X2', 'P'],
      ['C1', 'X1'],
      ['C2', 'X1'],
      ['C3', 'X2'],
    ]),
  );
}

/** A unit tree given by each unit's parent. */
export function treeOf(parentOf: Map<string, string | undefined>): UnitTree & { unitIds: string[]; parentOf: Map<string, string | undefined> } {
  const children = (id: string) => [...parentOf].filter(([, p]) => p === id).map(([c]) => c);
  const subtree = (id: string): string[] => [id, ...children(id).flatMap(subtree)];
  return { unitIds: [...parentOf.keys()], parentOf, children, subtree };
}

/** Groups a synthetic log's events by dossier, in stream order. */
export function byDossier(events: SyntheticEvent[]): SyntheticEvent[][] {
  const map = new Map<string, SyntheticEvent[]>();
  for (const e of events) {
    const list = map.get(e.dossierId);
    if (list) list.push(e);
    else map.set(e.dossierId, [e]);
  }
  return [...map.values()];
}

/** The scorecard's two counts beyond the standard report: digitised receptions and digitised results in [from, end). */
export function naiveDigitized(
  dossiers: SyntheticEvent[][],
  include: (unitId: string, procedureCode: string) => boolean,
  from: number,
  end: number,
): { receivedDigitized: number; resolvedResultDigitized: number } {
  const out = { receivedDigitized: 0, resolvedResultDigitized: 0 };
  const within = (t: number) => from <= t && t < end;
  for (const events of dossiers) {
    const first = events[0].event;
    if (first.type !== 'DossierReceived' || !include(first.data.unitId, first.data.procedureCode)) continue;
    if (first.data.digitized && within(ms(first.data.receivedAt))) out.receivedDigitized++;
    for (const { event: e } of events) {
      if (e.type === 'DossierResolved' && e.data.resultDigitized && within(ms(e.data.resolvedAt))) out.resolvedResultDigitized++;
    }
  }
  return out;
}
