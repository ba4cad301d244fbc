/**
 * The live reports' hub on its own, on fake timers (the coalescing window and the slow tick are
 * timing): what the projector announces is driven by hand, the report is computed for real from a
 * real index. test/hostile/live-streams.e2e.spec.ts covers the same over HTTP.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Subject, type Subscription } from 'rxjs';
import type { CatalogService } from '../../src/catalog/catalog.service.js';
import type { DossierEvent } from '../../src/dossier/events.js';
import { Metrics } from '../../src/operations/metrics.js';
import { evolveDossierView } from '../../src/projections/views/dossier-view.js';
import type { ProjectionChange, Projector } from '../../src/projections/projector.js';
import { TimelinessIndex } from '../../src/projections/report-index/timeliness-index.js';
import { timelinessRows } from '../../src/projections/report-index/timeliness-report.js';
import type { DossierQueries } from '../../src/projections/views/dossier-views.read-model.js';
import { type LiveFrame, LiveReports, REEVALUATE_MS } from '../../src/supervision/live-reports.js';
import type { ReportParams } from '../../src/supervision/query-params.js';

const at = (local: string) => Date.parse(`${local}+07:00`);
const TREE: Record<string, string[]> = { D: ['C1', 'C2'], C1: [], C2: [], OTHER: [] };

describe('live reports (one computation per distinct report per burst of changes)', () => {
  let changes: Subject<ProjectionChange>;
  let index: TimelinessIndex;
  let checkpoint: number;
  let metrics: Metrics;
  let live: LiveReports;
  const subscriptions: Subscription[] = [];

  beforeEach(() => {
    jest.useFakeTimers({ now: at('2025-03-10T10:00:00') });
    changes = new Subject();
    index = new TimelinessIndex();
    checkpoint = 0;
    metrics = new Metrics();
    // The dossier views' report queries over that index, as the projector's read model answers them.
    const dossiers: Pick<DossierQueries, 'timeliness'> = { timeliness: (tree, q, correction) => timelinessRows(index, tree, q, correction) };
    const projector = { changes$: changes.asObservable(), dossiers, get checkpoint() { return checkpoint; } };
    const tree = { children: (u: string) => TREE[u], subtree: (u: string) => [u, ...TREE[u].flatMap((c) => TREE[c].concat(c))] };
    live = new LiveReports(projector as unknown as Projector, tree as unknown as CatalogService, { now: () => new Date() }, metrics);
  });
  afterEach(() => {
    subscriptions.splice(0).forEach((s) => s.unsubscribe());
    jest.useRealTimers();
  });

  const params = (groupBy: ReportParams['groupBy'] = 'none'): ReportParams => ({ from: at('2025-01-01T00:00:00'), to: undefined, scope: 'subtree', groupBy, timeoutMs: 0 });
  const watch = (unitId: string, p: ReportParams) => {
    const frames: LiveFrame[] = [];
    subscriptions.push(live.frames(unitId, p).subscribe((f) => frames.push(f)));
    return frames;
  };
  const counter = async (name: string) => Number((await metrics.render()).split('\n').find((l) => l.startsWith(`${name} `))!.split(' ')[1]);
  /** A dossier received by `unitId`, applied to the index and announced as the projector does. */
  const receive = (dossierId: string, unitId: string) => {
    const event = { type: 'DossierReceived', data: { dossierId, procedureCode: 'P', unitId, channel: 'online', receivedAt: '2025-03-03T02:00:00Z', digitized: true, statutoryWorkingDays: 10, onSupplement: 'restart', calendarRevision: 0, clockStartAt: '2025-03-03T02:00:00Z', dueAt: '2025-03-17T02:00:00Z' } } as DossierEvent;
    checkpoint++;
    index.replace(undefined, evolveDossierView(undefined, event, { revision: 0, position: checkpoint })!);
    changes.next({ checkpoint, unitIds: new Set([unitId]), dossierIds: [dossierId] });
  };
  const received = (f: LiveFrame) => (JSON.parse(f.text.split('data: ')[1]) as { rows: { received: { total: number } }[] }).rows.reduce((n, r) => n + r.received.total, 0);

  it('computes a burst of changes once, for every stream of the report, and pushes one frame', async () => {
    const streams = [watch('D', params()), watch('D', params()), watch('D', params())];
    expect(streams.map((s) => s.length)).toEqual([1, 1, 1]);
    expect(await counter('live_report_computations_total')).toBe(1);

    for (let i = 0; i < 5; i++) {
      receive(`d${i}`, i % 2 === 0 ? 'C1' : 'C2');
      jest.advanceTimersByTime(4); // all five within the 25 ms window
    }
    jest.advanceTimersByTime(100);
    expect(await counter('live_report_computations_total')).toBe(2);
    expect(streams.map((s) => s.map(received))).toEqual(streams.map(() => [0, 5]));
    // The same text for every stream: serialised once.
    expect(new Set(streams.map((s) => s[1].text)).size).toBe(1);
    expect(streams[0][1].position).toBe(5);
  });

  it('a distinct report is computed apart; a change outside the units a report covers is not computed', async () => {
    const none = watch('D', params());
    const child = watch('D', params('child'));
    expect(await counter('live_reports_shown')).toBe(2);
    receive('d1', 'OTHER');
    jest.advanceTimersByTime(100);
    expect(await counter('live_report_computations_total')).toBe(2);
    receive('d2', 'C2');
    jest.advanceTimersByTime(100);
    expect(await counter('live_report_computations_total')).toBe(4);
    expect([none.length, child.length]).toEqual([2, 2]);
  });

  it('the slow tick recomputes, sends nothing when the rows are the same, and gives a joining stream the fresh report', async () => {
    const frames = watch('D', params());
    jest.advanceTimersByTime(REEVALUATE_MS);
    expect(await counter('live_report_computations_total')).toBe(2);
    expect(frames).toHaveLength(1);
    const joined = watch('D', params());
    const evaluatedAt = (f: LiveFrame) => (JSON.parse(f.text.split('data: ')[1]) as { evaluatedAt: string }).evaluatedAt;
    expect(evaluatedAt(joined[0])).toBe(new Date(at('2025-03-10T10:00:00') + REEVALUATE_MS).toISOString());
    expect(await counter('live_report_computations_total')).toBe(2);
  });

  it('a stream that joins is given the last report at once; the hub goes with its last stream', async () => {
    const first = watch('D', params());
    receive('d1', 'C1');
    jest.advanceTimersByTime(100);
    const joined = watch('D', params());
    expect(joined.map(received)).toEqual([1]);
    expect(await counter('live_report_computations_total')).toBe(2);

    subscriptions.splice(0).forEach((s) => s.unsubscribe());
    expect(await counter('live_reports_shown')).toBe(0);
    receive('d2', 'C1');
    jest.advanceTimersByTime(100);
    expect(await counter('live_report_computations_total')).toBe(2); // nobody watches: nothing computed
    expect(watch('D', params()).map(received)).toEqual([2]);
    expect(first).toHaveLength(2);
  });

  it('a stream opened after the unit tree changed has a hub of its own that covers the new unit', async () => {
    const before = watch('D', params());
    TREE.D.push('C3');
    TREE.C3 = [];
    try {
      const after = watch('D', params());
      expect(await counter('live_reports_shown')).toBe(2);
      receive('d1', 'C3');
      jest.advanceTimersByTime(100);
      expect([before.length, after.map(received)]).toEqual([1, [0, 1]]);
    } finally {
      TREE.D.pop();
      delete TREE.C3;
    }
  });
});
