/** The shapes of the service's answers the page reads (docs/API.md). */
import type { Api } from './api.js';
import type { Period } from './period.js';

export type Role = 'integrator' | 'supervisor' | 'auditor' | 'admin';

export interface Me {
  name: string;
  role: Role;
  /** The units the key reaches (with everything below them); null: all units. */
  units: string[] | null;
}

export interface Unit {
  unitId: string;
  name: string;
  parentId?: string;
  level: string;
}

export interface TimelinessRow {
  key: string;
  carriedOver: number;
  received: { total: number; online: number; direct: number; postal: number };
  resolved: { total: number; early: number; onTime: number; late: number; lateWithApology: number; lateWithoutApology: number };
  withdrawn: number;
  inProgress: { total: number; withinDue: number; overdue: number; awaitingSupplement: number };
  onTimeRate: number | null;
  /** Live rows keyed by unit: how many of its dossiers are on each review list now; null while the lists are being built. */
  attention?: Record<AttentionKind, number> | null;
}

export interface TimelinessReport {
  unitId: string;
  from: string;
  to: string;
  evaluatedAt: string;
  position: number;
  rows: TimelinessRow[];
  asOf?: string;
}

export interface StepRow {
  unitId: string;
  ended: { total: number; withAllotment: number; onTime: number; late: number };
  open: { total: number; withAllotment: number; overrunning: number };
  responsibleForLate: number;
}

export interface DossierSummary {
  dossierId: string;
  procedureCode: string;
  unitId: string;
  currentUnitId: string;
  status: string;
  receivedAt: string;
  dueAt: string | null;
  appointmentAt: string | null;
  overdue: boolean;
}

export interface DossierEvent {
  type: string;
  data: Record<string, unknown>;
  metadata: { occurredAt: string; recordedAt: string; actor: string };
  revision: number;
  position: number;
}

/** What every panel is shown: who is looking, at which unit, over which period. */
export interface View {
  api: Api;
  me: Me;
  unit: Unit;
  unitsById: ReadonlyMap<string, Unit>;
  period: Period;
  /** Auditors: the report as known at this instant. */
  asOf?: string;
  openDossier(dossierId: string): void;
  /** Shows one unit's review list in the attention panel: its own dossiers (`self`) or its subtree's. */
  openAttention(unitId: string, scope: AttentionScope, kind: AttentionKind): void;
}

/** A part of the page: one module each, so that later reports are one more panel. */
export interface Panel {
  readonly element: HTMLElement;
  /** Loads and draws the view; settles once the first answer (or failure) is drawn. */
  show(view: View): Promise<void>;
  /** The language changed: draw again from what was loaded. */
  redraw(): void;
  dispose(): void;
}

export interface EntryLagRow {
  key: string;
  events: number;
  /** Wall minutes; null for a row without events. */
  medianMinutes: number | null;
  p90Minutes: number | null;
  maxMinutes: number | null;
  medianOfficeMinutes: number | null;
  lateEntries: number;
  lateEntryShare: number | null;
}

export interface EntryLagReport {
  unitId: string;
  from: string;
  to: string;
  evaluatedAt: string;
  position: number;
  rows: EntryLagRow[];
}

export const ATTENTION_KINDS = ['overdue', 'soon_due', 'not_returned', 'silent'] as const;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];
export type AttentionScope = 'self' | 'subtree';

export interface AttentionItem {
  dossierId: string;
  kind: AttentionKind;
  /** The receiving unit. */
  unitId: string;
  /** The unit holding it now. */
  currentUnitId: string;
  status: string;
  dueAt: string;
  lastEventAt: string;
  resolvedAt?: string;
  /** Why it is on the list, in an English sentence. */
  why: string;
}

export interface AttentionList {
  unitId: string;
  kind: AttentionKind;
  evaluatedAt: string;
  items: AttentionItem[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export interface AttentionCounts {
  unitId: string;
  evaluatedAt: string;
  counts: Record<AttentionKind, number>;
}

export const INDICATORS = ['onTimeRate', 'onlineShare', 'digitizedShare', 'resultDigitizedShare', 'progressIndicator'] as const;
export type IndicatorName = (typeof INDICATORS)[number];

export interface IndicatorFigure {
  numerator: number;
  denominator: number;
  /** null when nothing was counted. */
  value: number | null;
  target: number;
  met: boolean | null;
  /** 1 for the best among the ranked units; null when not ranked. */
  rank: number | null;
}

export type ScorecardRow = { key: string } & Record<IndicatorName, IndicatorFigure>;

export interface ScorecardReport {
  unitId: string;
  from: string;
  to: string;
  evaluatedAt: string;
  asOf?: string;
  targets: Record<IndicatorName, number>;
  formulas: Record<IndicatorName, string>;
  /** The units the ranks are among. */
  rankedAmong: string[];
  rows: ScorecardRow[];
}
