/**
 * What a dossier contributes to the report index: a handful of (category, instant) entries,
 * counted for the receiving unit (dossier categories) or for the unit that handled a step (step
 * categories). Every count of the reports is "entries of a category before t" (timeliness-index.ts).
 */
import type { DossierView } from '../views/dossier-view.js';

/** Categories counted for the unit that received the dossier. */
export const D = {
  RECEIVED_ONLINE: 0,
  RECEIVED_DIRECT: 1,
  RECEIVED_POSTAL: 2,
  RESOLVED_EARLY: 3,
  RESOLVED_ON_TIME: 4,
  RESOLVED_LATE_WITH_APOLOGY: 5,
  RESOLVED_LATE_WITHOUT_APOLOGY: 6,
  WITHDRAWN: 7,
  AWAITING_START: 8,
  AWAITING_END: 9,
  OVERDUE_START: 10,
  OVERDUE_END: 11,
  /** Received as a digitised dossier, at its reception (the scorecard's digitised share). */
  RECEIVED_DIGITIZED: 12,
  /** Resolved with its result digitised, at its resolution. */
  RESOLVED_RESULT_DIGITIZED: 13,
} as const;
export const DOSSIER_CATEGORIES = 14;
/**
 * Whether a dossier category is also counted in the unit's per-procedure buckets. The digitised
 * ones are read by the scorecard only, which never groups by procedure: kept out, they add half
 * the keys they would.
 */
export const countedPerProcedure = (category: number): boolean => category < D.RECEIVED_DIGITIZED;
export const RECEIVED_CATEGORIES = [D.RECEIVED_ONLINE, D.RECEIVED_DIRECT, D.RECEIVED_POSTAL] as const;
export const CLOSED_CATEGORIES = [
  D.RESOLVED_EARLY,
  D.RESOLVED_ON_TIME,
  D.RESOLVED_LATE_WITH_APOLOGY,
  D.RESOLVED_LATE_WITHOUT_APOLOGY,
  D.WITHDRAWN,
] as const;

/** Categories counted for the unit that handled a step (of a dossier received by the indexed unit). */
export const S = {
  ENTERED: 0,
  ENTERED_WITH_ALLOTMENT: 1,
  LEFT_WITHOUT_ALLOTMENT: 2,
  LEFT_ON_TIME: 3,
  LEFT_LATE: 4,
  OVERRUN_START: 5,
  OVERRUN_END: 6,
  /** Resolution instant of a late dossier for which this unit was responsible. */
  RESPONSIBLE_FOR_LATE: 7,
} as const;
export const STEP_CATEGORIES = 8;

export interface IndexEntry {
  category: number;
  at: number;
  /** null: a dossier category; otherwise the handling (or responsible) unit of a step category. */
  handler: string | null;
}

const CHANNEL_CATEGORY = { online: D.RECEIVED_ONLINE, direct: D.RECEIVED_DIRECT, postal: D.RECEIVED_POSTAL } as const;

type EntrySink = (category: number, at: number, handler: string | null) => void;

/** Pure: the entries a dossier contributes, handed to `sink` one by one (no allocation per entry). */
export function visitEntries(view: DossierView, sink: EntrySink): void {
  // A corrupt instant (never written by the decider) is left out rather than poisoning the index.
  const dossier = (category: number, at: number) => Number.isFinite(at) && sink(category, at, null);
  const step = (handler: string, category: number, at: number) => Number.isFinite(at) && sink(category, at, handler);

  dossier(CHANNEL_CATEGORY[view.channel], view.receivedAt);
  if (view.digitized) dossier(D.RECEIVED_DIGITIZED, view.receivedAt);
  if (view.closedAt !== null) dossier(closedCategory(view), view.closedAt);
  if (view.closure === 'resolved' && view.resultDigitized && view.closedAt !== null) dossier(D.RESOLVED_RESULT_DIGITIZED, view.closedAt);
  for (const a of view.awaiting) {
    dossier(D.AWAITING_START, a.start);
    if (a.end !== null) dossier(D.AWAITING_END, a.end);
  }
  for (const s of view.segments) {
    // Overdue from the due instant (or the segment's start, if later) until the segment ends.
    const from = Math.max(s.start, s.due);
    if (s.end === null) dossier(D.OVERDUE_START, from);
    else if (from < s.end) {
      dossier(D.OVERDUE_START, from);
      dossier(D.OVERDUE_END, s.end);
    }
  }
  for (const st of view.steps) {
    step(st.unitId, S.ENTERED, st.enteredAt);
    if (st.stepDueAt !== null) step(st.unitId, S.ENTERED_WITH_ALLOTMENT, st.enteredAt);
    if (st.leftAt !== null) {
      const category =
        st.stepDueAt === null ? S.LEFT_WITHOUT_ALLOTMENT : st.leftAt > st.stepDueAt ? S.LEFT_LATE : S.LEFT_ON_TIME;
      step(st.unitId, category, st.leftAt);
    }
    if (st.stepDueAt !== null) {
      const from = Math.max(st.enteredAt, st.stepDueAt);
      if (st.leftAt === null) step(st.unitId, S.OVERRUN_START, from);
      else if (from < st.leftAt) {
        step(st.unitId, S.OVERRUN_START, from);
        step(st.unitId, S.OVERRUN_END, st.leftAt);
      }
    }
  }
  if (view.timeliness === 'late' && view.closedAt !== null) {
    for (const unitId of new Set(view.responsibleUnitIds)) step(unitId, S.RESPONSIBLE_FOR_LATE, view.closedAt);
  }
}

/** Pure: the entries a dossier contributes. */
export function indexEntriesOf(view: DossierView): IndexEntry[] {
  const out: IndexEntry[] = [];
  visitEntries(view, (category, at, handler) => out.push({ category, at, handler }));
  return out;
}

function closedCategory(view: DossierView): number {
  if (view.closure === 'withdrawn') return D.WITHDRAWN;
  switch (view.timeliness) {
    case 'early':
      return D.RESOLVED_EARLY;
    case 'on_time':
      return D.RESOLVED_ON_TIME;
    case 'late':
      return view.apologized ? D.RESOLVED_LATE_WITH_APOLOGY : D.RESOLVED_LATE_WITHOUT_APOLOGY;
    case null:
      throw new Error(`dossier ${view.dossierId} is resolved without a timeliness`);
    default: {
      const never: never = view.timeliness;
      throw new Error(`unknown timeliness ${String(never)}`);
    }
  }
}
