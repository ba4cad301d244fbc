/**
 * The supervisors' and auditors' reads over the projections: the timeliness report (live, or as
 * known at an instant), the step report and the dossier list (live streams: live-reports.ts).
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../access/principal.js';
import { CatalogService } from '../catalog/catalog.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { type DossierView } from '../projections/views/dossier-view.js';
import { Projector } from '../projections/projector.js';
import type { Correction, StepRow, TimelinessRow } from '../projections/report-index/timeliness-report.js';
import { DOSSIER_VIEWS, type DossierQueries } from '../projections/views/dossier-views.read-model.js';
import { AsOfReports } from './as-of-reports.js';
import {
  encodeCursor,
  parseListParams,
  parseReportParams,
  parseStepParams,
  type RawQuery,
  type ReportParams,
} from './query-params.js';

export interface TimelinessReport {
  unitId: string;
  from: string;
  to: string;
  /** The end instant E = min(to, now) (and asOf, for an as-of answer), never before from. */
  evaluatedAt: string;
  scope: ReportParams['scope'];
  groupBy: ReportParams['groupBy'];
  /** Present on as-of answers: only events recorded by then were counted. */
  asOf?: string;
  /** Read-model checkpoint the answer was computed at (absent for as-of answers). */
  position?: number;
  rows: TimelinessRow[];
}

export interface StepReport {
  unitId: string;
  from: string;
  to: string;
  evaluatedAt: string;
  scope: ReportParams['scope'];
  position: number;
  rows: StepRow[];
}

export interface DossierListItem {
  dossierId: string;
  procedureCode: string;
  unitId: string;
  currentUnitId: string;
  channel: string;
  status: string;
  receivedAt: string;
  clockStartAt: string;
  dueAt: string;
  appointmentAt: string;
  overdue: boolean;
  timeliness: string | null;
  apologized: boolean;
  closedAt: string | null;
  revision: number;
  position: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

@Injectable()
export class SupervisionQueries {
  constructor(
    private readonly projector: Projector,
    private readonly catalog: CatalogService,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly asOfReports: AsOfReports,
  ) {}

  async timeliness(unitId: string, query: RawQuery): Promise<TimelinessReport> {
    this.catalog.requireUnit(unitId);
    const now = this.clock.now().getTime();
    const p = parseReportParams(query, now);
    if (p.asOf !== undefined) {
      const at = Math.min(now, p.asOf);
      const { views, correction } = await this.asOfReports.asOf(p.asOf, { from: p.from, end: endInstant(p.from, p.to ?? at, at) });
      return timelinessReport(views, this.catalog, unitId, p, at, { asOf: iso(p.asOf) }, correction);
    }
    const views = await this.projector.readModel<DossierQueries>(DOSSIER_VIEWS.name, p.minPosition, p.timeoutMs);
    return timelinessReport(views, this.catalog, unitId, p, now, { position: views.checkpoint });
  }

  async steps(unitId: string, query: RawQuery): Promise<StepReport> {
    this.catalog.requireUnit(unitId);
    const now = this.clock.now().getTime();
    const p = parseStepParams(query, now);
    const views = await this.projector.readModel<DossierQueries>(DOSSIER_VIEWS.name, p.minPosition, p.timeoutMs);
    const end = endInstant(p.from, p.to, now);
    return {
      unitId,
      from: iso(p.from),
      to: iso(p.to),
      evaluatedAt: iso(end),
      scope: p.scope,
      position: views.checkpoint,
      rows: views.steps(this.catalog, { unitId, scope: p.scope, from: p.from, end }),
    };
  }

  /**
   * A page of dossiers in reception order. `unitId`: received by the unit (scope=subtree, the
   * default: or any unit below it); `currentUnitId`: held by that unit now; `overdue`: running
   * with its due instant passed, now. A key limited to some units sees the dossiers received by
   * or held at those units (and below).
   */
  async list(query: RawQuery, principal: Principal): Promise<{ items: DossierListItem[]; nextCursor: string | null; position: number }> {
    const p = parseListParams(query);
    if (p.unitId !== undefined) this.catalog.requireUnit(p.unitId);
    const dossiers = await this.projector.readModel<DossierQueries>(DOSSIER_VIEWS.name, p.minPosition, p.timeoutMs);
    const now = this.clock.now().getTime();
    const views = dossiers.list({
      unitIds: p.unitId === undefined ? undefined : p.scope === 'subtree' ? this.catalog.subtree(p.unitId) : [p.unitId],
      currentUnitId: p.currentUnitId,
      status: p.status,
      overdue: p.overdue,
      now,
      visibleUnitIds: principal.units === undefined || p.unitId !== undefined ? undefined : principal.units.flatMap((u) => this.catalog.subtree(u)),
      afterSeq: p.afterSeq,
      limit: p.limit + 1,
    });
    const page = views.slice(0, p.limit);
    return {
      items: page.map((v) => listItem(v, now)),
      nextCursor: views.length > p.limit ? encodeCursor(page[page.length - 1].seq) : null,
      position: dossiers.checkpoint,
    };
  }

}

/** The timeliness report of a unit over `p`'s period, evaluated at `now` (also what live streams send). */
export function timelinessReport(
  views: Pick<DossierQueries, 'timeliness'>,
  catalog: CatalogService,
  unitId: string,
  p: ReportParams,
  now: number,
  extra: Partial<TimelinessReport>,
  correction?: Correction,
): TimelinessReport {
  const to = p.to ?? now;
  const end = endInstant(p.from, to, now);
  return {
    unitId,
    from: iso(p.from),
    to: iso(to),
    evaluatedAt: iso(end),
    scope: p.scope,
    groupBy: p.groupBy,
    ...extra,
    rows: views.timeliness(catalog, { unitId, scope: p.scope, groupBy: p.groupBy, from: p.from, end }, correction),
  };
}

/** E = min(to, now), never before `from` (a period in the future is evaluated at its start). */
export const endInstant = (from: number, to: number, now: number) => Math.max(from, Math.min(to, now));

function listItem(v: DossierView, now: number): DossierListItem {
  return {
    dossierId: v.dossierId,
    procedureCode: v.procedureCode,
    unitId: v.unitId,
    currentUnitId: v.currentUnitId,
    channel: v.channel,
    status: v.status,
    receivedAt: iso(v.receivedAt),
    clockStartAt: iso(v.clockStartAt),
    dueAt: iso(v.dueAt),
    appointmentAt: iso(v.appointmentAt),
    overdue: v.status === 'received' && v.dueAt < now,
    timeliness: v.timeliness,
    apologized: v.apologized,
    closedAt: v.closedAt === null ? null : iso(v.closedAt),
    revision: v.revision,
    position: v.position,
  };
}
