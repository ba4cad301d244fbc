/**
 * How a DossierView is stored (the `view` column) and sent between a rebuild's threads: a JSON
 * array of its fields in a fixed order, intervals and steps flattened, booleans as 0/1. About a
 * third of the length of the view as a JSON object (no keys, no nested objects), so a third of the
 * bytes to write and read, and quicker to produce and parse. A change of this layout is a change of
 * the read models' schema version (read-models.ts), which rebuilds older files.
 */
import type { Channel, Outcome, Timeliness } from '../dossier/events.js';
import type { DossierStatus, DossierView, Interval, RunningSegment, StepFact } from './dossier-view.js';

type Instant = number | null;

/** The stored layout; the order of the fields is the format. */
type Encoded = [
  dossierId: string,
  seq: number,
  procedureCode: string,
  unitId: string,
  currentUnitId: string,
  channel: Channel,
  digitized: 0 | 1,
  status: DossierStatus,
  receivedAt: number,
  clockStartAt: number,
  dueAt: number,
  appointmentAt: number,
  overdueMarked: 0 | 1,
  /** start, end, due of each segment. */
  segments: Instant[],
  /** start, end of each stretch. */
  awaiting: Instant[],
  /** unitId, enteredAt, leftAt, allottedWorkingHours, stepDueAt of each step. */
  steps: (string | number | null)[],
  closure: DossierView['closure'],
  closedAt: Instant,
  outcome: Outcome | null,
  timeliness: Timeliness | null,
  apologized: 0 | 1,
  responsibleUnitIds: string[],
  returnedAt: Instant,
  revision: number,
  position: number,
];

export function encodeView(v: DossierView): string {
  const segments: Instant[] = [];
  for (const s of v.segments) segments.push(s.start, s.end, s.due);
  const awaiting: Instant[] = [];
  for (const a of v.awaiting) awaiting.push(a.start, a.end);
  const steps: (string | number | null)[] = [];
  for (const s of v.steps) steps.push(s.unitId, s.enteredAt, s.leftAt, s.allottedWorkingHours, s.stepDueAt);
  const encoded: Encoded = [
    v.dossierId,
    v.seq,
    v.procedureCode,
    v.unitId,
    v.currentUnitId,
    v.channel,
    v.digitized ? 1 : 0,
    v.status,
    v.receivedAt,
    v.clockStartAt,
    v.dueAt,
    v.appointmentAt,
    v.overdueMarked ? 1 : 0,
    segments,
    awaiting,
    steps,
    v.closure,
    v.closedAt,
    v.outcome,
    v.timeliness,
    v.apologized ? 1 : 0,
    v.responsibleUnitIds,
    v.returnedAt,
    v.revision,
    v.position,
  ];
  return JSON.stringify(encoded);
}

export function decodeView(text: string): DossierView {
  const e = JSON.parse(text) as Encoded;
  const segments: RunningSegment[] = [];
  const s = e[13];
  for (let i = 0; i < s.length; i += 3) segments.push({ start: s[i]!, end: s[i + 1], due: s[i + 2]! });
  const awaiting: Interval[] = [];
  const a = e[14];
  for (let i = 0; i < a.length; i += 2) awaiting.push({ start: a[i]!, end: a[i + 1] });
  const steps: StepFact[] = [];
  const f = e[15];
  for (let i = 0; i < f.length; i += 5) {
    steps.push({
      unitId: f[i] as string,
      enteredAt: f[i + 1] as number,
      leftAt: f[i + 2] as Instant,
      allottedWorkingHours: f[i + 3] as number | null,
      stepDueAt: f[i + 4] as Instant,
    });
  }
  return {
    dossierId: e[0],
    seq: e[1],
    procedureCode: e[2],
    unitId: e[3],
    currentUnitId: e[4],
    channel: e[5],
    digitized: e[6] === 1,
    status: e[7],
    receivedAt: e[8],
    clockStartAt: e[9],
    dueAt: e[10],
    appointmentAt: e[11],
    overdueMarked: e[12] === 1,
    segments,
    awaiting,
    steps,
    closure: e[16],
    closedAt: e[17],
    outcome: e[18],
    timeliness: e[19],
    apologized: e[20] === 1,
    responsibleUnitIds: e[21],
    returnedAt: e[22],
    revision: e[23],
    position: e[24],
  };
}
