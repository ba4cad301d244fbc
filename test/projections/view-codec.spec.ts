import { describe, expect, it } from '@jest/globals';
import { ViewReplay } from '../../src/projections/as-of/replay.js';
import { syntheticLog } from '../../bench/support/synthetic-history.js';
import { decodeView, encodeView } from '../../src/projections/views/view-codec.js';

const DAY = 86_400_000;

describe('view codec (the stored form of a dossier view)', () => {
  // Views at every stage of synthetic histories: transfers with and without allotments,
  // supplements (awaiting, new segments), apologies, overdue marks, resolutions, returns, withdrawals.
  const replay = new ViewReplay();
  const views = syntheticLog({
    seed: 31,
    dossiers: 400,
    unitIds: ['U1', 'U2', 'U3.a', 'U4'],
    procedureCodes: ['P.A', 'P.B'],
    start: Date.parse('2025-03-01T00:00:00+07:00'),
    spanMs: 40 * DAY,
  }).flatMap((e) => {
    const v = replay.apply(e);
    return v === undefined ? [] : [structuredClone(v)];
  });

  it('decodes every view to exactly the view encoded', () => {
    const statuses = new Set(views.map((v) => v.status));
    expect([...statuses].sort()).toEqual(['awaiting_supplement', 'received', 'resolved', 'returned', 'withdrawn']);
    expect(views.some((v) => v.awaiting.length > 0 && v.segments.length > 1 && v.steps.some((s) => s.stepDueAt !== null))).toBe(true);
    expect(views.some((v) => v.apologized && v.overdueMarked)).toBe(true);
    expect(views.some((v) => v.digitized && v.resultDigitized) && views.some((v) => v.closure === 'resolved' && !v.resultDigitized && !v.digitized)).toBe(true);
    for (const v of views) expect(decodeView(encodeView(v))).toStrictEqual(v);
  });

  it('takes well under half the bytes of the view as a JSON object', () => {
    const encoded = views.reduce((n, v) => n + encodeView(v).length, 0);
    const json = views.reduce((n, v) => n + JSON.stringify(v).length, 0);
    expect(encoded / json).toBeLessThan(0.5);
  });
});
