import { isoInstant as iso } from '../../common/iso-instant.js';
import type { ExistingDossier } from '../domain/state.js';

/** The current state of a dossier as the API shows it (API.md, GET /dossiers/{id}). */
export interface DossierView {
  dossierId: string;
  status: ExistingDossier['status'];
  procedureCode: string;
  unitId: string;
  currentUnitId: string;
  channel: string;
  digitized: boolean;
  receivedAt: string;
  clockStartAt: string;
  dueAt: string;
  /** Present when the due in force was counted across a day of a year whose calendar is provisional. */
  calendarProvisional?: true;
  appointmentAt: string;
  /** Open (not awaiting the citizen) and past its due instant at `now`. */
  overdue: boolean;
  timeliness?: string;
  outcome?: string;
  resolvedAt?: string;
  responsibleUnitIds?: string[];
  apology?: { responsibleUnitId: string; issuedAt: string; issuedInTime: boolean; newAppointmentAt: string };
  supplementRequested: boolean;
  steps: { unitId: string; enteredAt: string; allottedWorkingHours?: number; dueAt?: string; calendarProvisional?: true }[];
  revision: number;
}


export function toView(s: ExistingDossier, now: number): DossierView {
  const view: DossierView = {
    dossierId: s.dossierId,
    status: s.status,
    procedureCode: s.procedureCode,
    unitId: s.unitId,
    currentUnitId: s.currentUnitId,
    channel: s.channel,
    digitized: s.digitized,
    receivedAt: iso(s.receivedAt),
    clockStartAt: iso(s.clockStartAt),
    dueAt: iso(s.dueAt),
    ...(s.calendarProvisional ? { calendarProvisional: true as const } : {}),
    appointmentAt: iso(s.appointmentAt),
    overdue: s.status === 'received' && now > s.dueAt,
    supplementRequested: s.supplementRequested,
    steps: s.steps.map((step) => ({
      unitId: step.unitId,
      enteredAt: iso(step.enteredAt),
      ...(step.allottedWorkingHours !== undefined ? { allottedWorkingHours: step.allottedWorkingHours } : {}),
      ...(step.dueAt !== undefined ? { dueAt: iso(step.dueAt) } : {}),
      ...(step.calendarProvisional ? { calendarProvisional: true as const } : {}),
    })),
    revision: s.revision,
  };
  if (s.status === 'resolved' || s.status === 'returned') {
    view.timeliness = s.resolution.timeliness;
    view.outcome = s.resolution.outcome;
    view.resolvedAt = iso(s.resolution.resolvedAt);
    if (s.resolution.responsibleUnitIds.length > 0) view.responsibleUnitIds = s.resolution.responsibleUnitIds;
  }
  if (s.apology) {
    view.apology = { ...s.apology, issuedAt: iso(s.apology.issuedAt), newAppointmentAt: iso(s.apology.newAppointmentAt) };
  }
  return view;
}
