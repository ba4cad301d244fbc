/**
 * Examples shown by the API explorer: answers taken from a run of the service on its seeded
 * reference data (unit STP, procedure TP-LLTP), shortened where a list repeats itself. Kept here
 * rather than in the controllers so that those stay readable.
 */

const step = (unitId: string, enteredAt: string, extra: object = {}) => ({ unitId, enteredAt, ...extra });

/** A dossier as GET /dossiers/{id} answers it (a command answers the same plus `position`). */
export const DOSSIER = {
  dossierId: 'HS-2026-000123',
  status: 'received',
  procedureCode: 'TP-LLTP',
  unitId: 'STP',
  currentUnitId: 'STP-HCTP',
  channel: 'online',
  digitized: false,
  receivedAt: '2026-12-01T02:00:00.000Z',
  clockStartAt: '2026-12-01T02:00:00.000Z',
  dueAt: '2026-12-15T02:00:00.000Z',
  appointmentAt: '2026-12-15T02:00:00.000Z',
  overdue: false,
  supplementRequested: false,
  steps: [step('STP', '2026-12-01T02:00:00.000Z'), step('STP-HCTP', '2026-12-01T03:00:00.000Z', { allottedWorkingHours: 16, dueAt: '2026-12-03T03:00:00.000Z' })],
  revision: 1,
};

export const RECEIVED = { ...DOSSIER, currentUnitId: 'STP', steps: [DOSSIER.steps[0]], revision: 0, position: 73 };
export const TRANSFERRED = { ...DOSSIER, position: 74, stepDueAt: '2026-12-03T03:00:00.000Z' };

/** Command bodies, by command. */
export const COMMAND_BODIES = {
  receive: { dossierId: 'HS-2026-000123', procedureCode: 'TP-LLTP', unitId: 'STP', channel: 'online', receivedAt: '2026-12-01T09:00:00+07:00', digitized: false },
  transfer: { toUnitId: 'STP-HCTP', allottedWorkingHours: 16, occurredAt: '2026-12-01T10:00:00+07:00' },
  requestSupplement: { reason: 'Thiếu bản sao căn cước công dân', occurredAt: '2026-12-02T09:30:00+07:00' },
  supplement: { occurredAt: '2026-12-04T14:00:00+07:00' },
  apologize: { reason: 'Chờ kết quả xác minh của cơ quan công an', newAppointmentAt: '2026-12-22T16:00:00+07:00', responsibleUnitId: 'STP-HCTP', occurredAt: '2026-12-14T10:00:00+07:00' },
  resolve: { outcome: 'approved', resultDigitized: true, occurredAt: '2026-12-11T15:00:00+07:00' },
  returnResult: { occurredAt: '2026-12-12T09:00:00+07:00' },
  withdraw: { reason: 'Công dân rút hồ sơ', occurredAt: '2026-12-03T08:15:00+07:00' },
};

const META = (occurredAt: string, recordedAt: string, commandId: string) => ({
  occurredAt,
  recordedAt,
  actor: 'integrator-stp',
  commandId,
  correlationId: commandId,
  causationId: commandId,
});

export const EVENTS = [
  {
    type: 'DossierReceived',
    data: {
      dossierId: 'HS-2026-000123', procedureCode: 'TP-LLTP', unitId: 'STP', channel: 'online', receivedAt: '2026-12-01T02:00:00.000Z', digitized: false,
      statutoryWorkingDays: 10, onSupplement: 'restart', calendarRevision: 0, clockStartAt: '2026-12-01T02:00:00.000Z', dueAt: '2026-12-15T02:00:00.000Z',
    },
    metadata: META('2026-12-01T02:00:00.000Z', '2026-12-01T02:00:01.120Z', '83d60414-8f7d-4902-83a5-f2bea6dc37e9'),
    revision: 0,
    position: 73,
  },
  {
    type: 'DossierTransferred',
    data: {
      dossierId: 'HS-2026-000123', fromUnitId: 'STP', toUnitId: 'STP-HCTP', transferredAt: '2026-12-01T03:00:00.000Z', calendarRevision: 0,
      allottedWorkingHours: 16, stepDueAt: '2026-12-03T03:00:00.000Z',
    },
    metadata: META('2026-12-01T03:00:00.000Z', '2026-12-01T03:00:00.870Z', '3de10953-0f2a-4680-972e-17a9ab7c7af7'),
    revision: 1,
    position: 74,
  },
];

export const DOSSIER_PAGE = {
  items: [
    {
      dossierId: 'HS-2026-000123', procedureCode: 'TP-LLTP', unitId: 'STP', currentUnitId: 'STP-HCTP', channel: 'online', status: 'received',
      receivedAt: '2026-12-01T02:00:00.000Z', clockStartAt: '2026-12-01T02:00:00.000Z', dueAt: '2026-12-15T02:00:00.000Z', appointmentAt: '2026-12-15T02:00:00.000Z',
      overdue: false, timeliness: null, apologized: false, closedAt: null, revision: 1, position: 74,
    },
  ],
  nextCursor: null,
  position: 74,
};

const PERIOD = { unitId: 'STP', from: '2026-11-30T17:00:00.000Z', to: '2026-12-04T17:00:00.000Z', evaluatedAt: '2026-12-04T17:00:00.000Z', scope: 'subtree' };

export const TIMELINESS = {
  ...PERIOD,
  groupBy: 'none',
  position: 74,
  rows: [
    {
      key: 'STP',
      carriedOver: 0,
      received: { total: 1, online: 1, direct: 0, postal: 0 },
      resolved: { total: 0, early: 0, onTime: 0, late: 0, lateWithApology: 0, lateWithoutApology: 0 },
      withdrawn: 0,
      inProgress: { total: 1, withinDue: 1, overdue: 0, awaitingSupplement: 0 },
      onTimeRate: null,
    },
  ],
};

export const LIVE_FRAME = `event: timeliness\nid: 74\ndata: ${JSON.stringify(TIMELINESS)}\n\n`;

export const STEPS = {
  ...PERIOD,
  position: 74,
  rows: [
    { unitId: 'STP-HCTP', ended: { total: 0, withAllotment: 0, onTime: 0, late: 0 }, open: { total: 1, withAllotment: 1, overrunning: 1 }, responsibleForLate: 0 },
    { unitId: 'STP', ended: { total: 1, withAllotment: 0, onTime: 0, late: 0 }, open: { total: 0, withAllotment: 0, overrunning: 0 }, responsibleForLate: 0 },
  ],
};

export const ENTRY_LAG = {
  ...PERIOD,
  scope: 'subtree',
  groupBy: 'child',
  position: 74,
  definitions: {
    lag: 'recorded - occurred; wall minutes, and office minutes by the working calendar; counted for the unit that did the thing',
    lateEntry: 'recorded more than one working day (8 office hours) after it occurred',
    percentiles: 'nearest rank over the events of the row, read from log buckets: a median or p90 is within 0.5% of the exact value (lags under a second count as 0); events, late entries and max are exact',
  },
  rows: [
    { key: 'STP-HCTP', events: 42, medianMinutes: 3.5, p90Minutes: 95, maxMinutes: 4320, medianOfficeMinutes: 3.5, lateEntries: 2, lateEntryShare: 0.047619047619047616 },
  ],
};

export const ATTENTION = {
  unitId: 'STP',
  scope: 'subtree',
  evaluatedAt: '2026-03-09T03:00:00.000Z',
  thresholds: { withinWorkingHours: 8, afterWorkingDays: 5 },
  position: 74,
  kind: 'overdue',
  items: [
    {
      dossierId: 'HS-2026-000123',
      kind: 'overdue',
      unitId: 'STP',
      currentUnitId: 'STP-HCTP',
      status: 'received',
      dueAt: '2026-03-05T10:00:00.000Z',
      lastEventAt: '2026-03-02T02:00:00.000Z',
      why: 'overdue since 2026-03-05 17:00 (+07:00), 1 working day 2 hours',
    },
  ],
  nextCursor: 'eyJraW5kIjoib3ZlcmR1ZSIsImtleSI6MTc3MjcwNDgwMDAwMCwiaWQiOiJIUy0yMDI2LTAwMDEyMyJ9',
};

export const ATTENTION_COUNTS = {
  unitId: 'STP',
  scope: 'subtree',
  evaluatedAt: '2026-03-09T03:00:00.000Z',
  thresholds: { withinWorkingHours: 8, afterWorkingDays: 5 },
  position: 74,
  counts: { overdue: 3, soon_due: 5, not_returned: 12, silent: 2 },
};

export const UNIT_BODY = { name: 'Phòng Hành chính tư pháp', parentId: 'STP', level: 'office' };
export const UNIT = { unitId: 'STP-HCTP', ...UNIT_BODY };
export const UNITS = {
  units: [
    { unitId: 'PROVINCE', name: 'UBND tỉnh Demo', level: 'province' },
    { unitId: 'STP', name: 'Sở Tư pháp', parentId: 'PROVINCE', level: 'department' },
    UNIT,
  ],
};
export const UNIT_WITH_CHILDREN = { unitId: 'STP', name: 'Sở Tư pháp', parentId: 'PROVINCE', level: 'department', children: ['STP-HCTP'] };

export const PROCEDURE_BODY = { name: 'Cấp Phiếu lý lịch tư pháp', statutoryWorkingDays: 10, onSupplement: 'restart' };
export const PROCEDURE = { code: 'TP-LLTP', ...PROCEDURE_BODY };
export const PROCEDURES = { procedures: [{ code: 'CT-BANSAO', name: 'Chứng thực bản sao từ bản chính', statutoryWorkingDays: 0.5, onSupplement: 'restart' }, PROCEDURE] };

export const CALENDAR_BODY = {
  officeHours: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '17:00' }],
  cutoff: '15:00',
  holidays: ['2026-01-01', '2026-01-02', '2026-02-16', '2026-02-17'],
  workingDays: ['2026-01-10'],
};
export const CALENDAR_YEAR_BODY = {
  holidays: ['2027-01-01', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-04-16', '2027-04-30', '2027-05-03', '2027-09-02', '2027-09-03'],
  workingDays: [],
  official: true,
  sources: ['Cong van 1234/VPCP-KGVX (1/11/2026)'],
};
export const CALENDAR = {
  ...CALENDAR_BODY,
  revision: 3,
  years: [
    { year: 2026, status: 'official', basis: 'entered', holidays: CALENDAR_BODY.holidays, workingDays: ['2026-01-10'], sources: ['Cong van 12729/VPCP-KGVX (25/12/2025)'] },
    { year: 2027, status: 'official', basis: 'entered', holidays: CALENDAR_YEAR_BODY.holidays, workingDays: [], sources: CALENDAR_YEAR_BODY.sources },
  ],
};

export const REPLAN = {
  dryRun: true,
  calendarRevision: 3,
  examined: 1,
  replanned: [{ dossierId: 'HS-2026-000123', unitId: 'STP', oldDueAt: '2026-12-15T02:00:00.000Z', newDueAt: '2026-12-16T02:00:00.000Z' }],
  conflicts: [],
};

export const PROJECTION_STATUS = {
  checkpoint: 74,
  headPosition: 74,
  lag: 0,
  caughtUp: true,
  rebuild: { running: false, events: 69, startedAt: '2026-12-07T08:46:15.195Z', last: { events: 69, position: 69, durationMs: 571, eventsPerSecond: 121, finishedAt: '2026-12-07T08:46:15.766Z', writer: 'main' } },
  state: 'running',
  quarantined: { count: 0, items: [] },
};
export const REBUILD_DONE = { status: 'done', events: 74, position: 74, durationMs: 363, eventsPerSecond: 204, finishedAt: '2026-12-07T08:46:16.565Z', writer: 'main' };
export const REBUILD_RUNNING = { status: 'running', running: true, events: 0, startedAt: '2026-12-07T08:46:16.202Z' };

export const HEALTHY = { status: 'ok', eventStore: { kind: 'sqlite', status: 'up', append: 'ok' }, projections: { status: 'running', quarantined: 0 } };
export const UNHEALTHY = {
  status: 'unavailable',
  eventStore: { kind: 'sqlite', status: 'up', append: 'failing', reason: 'SQLITE_FULL: database or disk is full' },
  projections: { status: 'running', quarantined: 0 },
};

export const METRICS =
  '# HELP http_requests_total HTTP requests answered, by route and status.\n# TYPE http_requests_total counter\n' +
  'http_requests_total{method="POST",route="/dossiers",status="201"} 1\n';

export const AUDIT_VERIFIED = {
  verified: true,
  events: 4_312_907,
  chainStartsAt: 1,
  unchained: 0,
  seals: 4312,
  sealedTo: 4_312_000,
  head: { position: 4_312_907, hash: '9c1f0d6e2b7a4c3d8e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70819' },
};

export const AUDIT_TAMPERED = {
  verified: false,
  events: 1_204,
  firstBadPosition: 1_205,
  problem: "the hash does not match the event's content or its stream's previous event: the event was altered",
  chainStartsAt: 1,
  unchained: 0,
  seals: 1,
  sealedTo: 1000,
  head: { position: 1_204, hash: '4b0e8f2c6d1a3e5f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f' },
};

export const AUDIT_BUNDLE =
  '{"kind":"bundle","format":"dossier-audit-bundle/1","unitId":"STP","from":"2026-11-30T17:00:00.000Z","to":"2026-12-31T17:00:00.000Z","dossiers":412,"gapless":true,' +
  '"start":{"afterPosition":4000,"hash":"4b0e…","chainStartsAt":1},"seeds":[{"streamId":"audit-seals","revision":2,"hash":"9d2c…"}],"toPosition":6001}\n' +
  '{"kind":"links","links":[[4001,"c1f3…"],[4002,"07ab…"]]}\n' +
  '{"kind":"event","event":{"streamId":"dossier-HS-2026-000123","id":"…","type":"DossierReceived","revision":0,"position":4003,"data":{},"metadata":{"hash":"…"},"created":"…"}}\n';
