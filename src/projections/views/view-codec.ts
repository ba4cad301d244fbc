/**
 * How a DossierView is stored (the `view` column) and sent between a rebuild's threads: a JSON
 * array of its fields in a fixed order, intervals and steps flattened, booleans as 0/1. About a
 * third of the length of the view as a JSON object (no keys, no nested objects), so a third of the
 * bytes to write and read, and quicker to produce and parse. Instants other than `receivedAt` are
 * stored as milliseconds after it: JSON.stringify writes a 13-digit epoch as a double (about 75 ns
 * each, some fifteen per view), a small integer several times faster. A change of this layout is a
 * change of the read models' schema version (read-models.ts), which rebuilds older files.
 */
import type { Channel, Outcome, Timeliness } from '../../dossier/events.js';
import type { DossierStatus, DossierView, Interval, RunningSegment, StepFact } from './dossier-view.js';

type Instant = number | null;

/** An instant as stored: after `base`. */
const after = (t: Instant, base: number): Instant => (t === null ? null : t - base);
/** An instant as stored, back to epoch ms. */
const at = (t: Instant, base: number): Instant => (t === null ? null : t + base);

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
  /** This and every instant below: milliseconds after receivedAt. */
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
  resultDigitized: 0 | 1,
];

export function encodeView(v: DossierView): string {
  const b = v.receivedAt;
  const segments: Instant[] = [];
  for (const s of v.segments) segments.push(s.start - b, after(s.end, b), s.due - b);
  const awaiting: Instant[] = [];
  for (const a of v.awaiting) awaiting.push(a.start - b, after(a.end, b));
  const steps: (string | number | null)[] = [];
  for (const s of v.steps) steps.push(s.unitId, s.enteredAt - b, after(s.leftAt, b), s.allottedWorkingHours, after(s.stepDueAt, b));
  const encoded: Encoded = [
    v.dossierId,
    v.seq,
    v.procedureCode,
    v.unitId,
    v.currentUnitId,
    v.channel,
    v.digitized ? 1 : 0,
    v.status,
    b,
    v.clockStartAt - b,
    v.dueAt - b,
    v.appointmentAt - b,
    v.overdueMarked ? 1 : 0,
    segments,
    awaiting,
    steps,
    v.closure,
    after(v.closedAt, b),
    v.outcome,
    v.timeliness,
    v.apologized ? 1 : 0,
    v.responsibleUnitIds,
    after(v.returnedAt, b),
    v.revision,
    v.position,
    v.resultDigitized ? 1 : 0,
  ];
  return JSON.stringify(encoded);
}

export function decodeView(text: string): DossierView {
  const e = JSON.parse(text) as Encoded;
  const b = e[8];
  const segments: RunningSegment[] = [];
  const s = e[13];
  for (let i = 0; i < s.length; i += 3) segments.push({ start: s[i]! + b, end: at(s[i + 1], b), due: s[i + 2]! + b });
  const awaiting: Interval[] = [];
  const a = e[14];
  for (let i = 0; i < a.length; i += 2) awaiting.push({ start: a[i]! + b, end: at(a[i + 1], b) });
  const steps: StepFact[] = [];
  const f = e[15];
  for (let i = 0; i < f.length; i += 5) {
    steps.push({
      unitId: f[i] as string,
      enteredAt: (f[i + 1] as number) + b,
      leftAt: at(f[i + 2] as Instant, b),
      allottedWorkingHours: f[i + 3] as number | null,
      stepDueAt: at(f[i + 4] as Instant, b),
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
    receivedAt: b,
    clockStartAt: e[9] + b,
    dueAt: e[10] + b,
    appointmentAt: e[11] + b,
    overdueMarked: e[12] === 1,
    segments,
    awaiting,
    steps,
    closure: e[16],
    closedAt: at(e[17], b),
    outcome: e[18],
    timeliness: e[19],
    resultDigitized: e[25] === 1,
    apologized: e[20] === 1,
    responsibleUnitIds: e[21],
    returnedAt: at(e[22], b),
    revision: e[23],
    position: e[24],
  };
}
