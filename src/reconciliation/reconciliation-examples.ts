/** The OpenAPI examples of the reconciliation routes. */
import type { RegisterReconciledData } from './reconciliation-events.js';

const instant = { type: 'string', description: 'dd/MM/yyyy HH:mm (local), dd/MM/yyyy, or ISO 8601 with an offset' } as const;
/** The body: the CSV text, or the JSON array (one media type each; the examples are shared). */
export const REGISTER_SCHEMA = {
  oneOf: [
    { type: 'string', description: 'text/csv' },
    {
      type: 'array',
      items: {
        type: 'object',
        required: ['dossierId', 'status'],
        properties: { dossierId: { type: 'string' }, status: { type: 'string', description: 'a status of the service or a register word' }, receivedAt: instant, resolvedAt: instant, returnedAt: instant },
      },
    },
  ],
};

export const REGISTER_CSV_EXAMPLE = [
  'Mã hồ sơ,Trạng thái,Ngày nhận,Ngày giải quyết,Ngày trả kết quả',
  'HS-2026-000123,Đã trả kết quả,02/03/2026 09:00,03/03/2026 15:30,04/03/2026 08:15',
  'HS-2026-000124,Đang xử lý,02/03/2026 10:20,,',
  'HS-2026-000125,Đã giải quyết,02/03/2026 14:05,05/03/2026 16:00,',
].join('\n');

export const REGISTER_JSON_EXAMPLE = [
  { dossierId: 'HS-2026-000123', status: 'returned', receivedAt: '2026-03-02T09:00:00+07:00', resolvedAt: '2026-03-03T15:30:00+07:00', returnedAt: '2026-03-04T08:15:00+07:00' },
  { dossierId: 'HS-2026-000124', status: 'received', receivedAt: '2026-03-02T10:20:00+07:00' },
];

export const RECONCILIATION_EXAMPLE: RegisterReconciledData = {
  reconciliationId: '3f0b6c2e-8f1d-4a57-9a0e-2d4c1b7e9f31',
  unitId: 'HUYEN-AN.XA1',
  reconciledAt: '2026-03-10T02:00:00.000Z',
  actor: 'xa1-supervisor',
  format: 'csv',
  registerDigest: 'sha256:9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab',
  registerBytes: 251,
  toleranceMinutes: 1,
  span: { from: '2026-03-01T17:00:00.000Z', to: '2026-03-02T17:00:00.000Z' },
  position: 10412,
  counts: { registerRows: 3, systemDossiers: 4, matched: 2, missingInSystem: 1, missingInRegister: 2, status: 1, instant: 1, differences: 5 },
  differences: [
    { dossierId: 'HS-2026-000123', kind: 'instant', line: 2, field: 'returnedAt', register: '2026-03-04T01:15:00.000Z', system: '2026-03-06T02:40:00.000Z', minutes: 2965 },
    { dossierId: 'HS-2026-000124', kind: 'status', line: 3, register: 'received', system: 'resolved' },
    { dossierId: 'HS-2026-000125', kind: 'missing_in_system', line: 4, register: { status: 'resolved', receivedAt: '2026-03-02T07:05:00.000Z', resolvedAt: '2026-03-05T09:00:00.000Z' }, system: null },
    { dossierId: 'HS-2026-000130', kind: 'missing_in_register', register: null, system: { status: 'received', receivedAt: '2026-03-02T03:30:00.000Z', resolvedAt: null, returnedAt: null } },
  ],
  differencesTruncated: false,
};
