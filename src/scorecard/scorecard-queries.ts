/**
 * GET /units/{unitId}/scorecard: the period's parameters as the timeliness report takes them
 * (defaults, minPosition, asOf for auditors), groupBy none or child, the targets in force.
 */
import { Inject, Injectable } from '@nestjs/common';
import { CatalogService } from '../catalog/catalog.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { AppError, type FieldError, validationFailed } from '../common/errors.js';
import { Projector } from '../projections/projector.js';
import type { TimelinessIndex } from '../projections/report-index/timeliness-index.js';
import type { Correction } from '../projections/report-index/timeliness-report.js';
import { DOSSIER_VIEWS, type DossierQueries } from '../projections/views/dossier-views.read-model.js';
import { AsOfReports } from '../supervision/as-of-reports.js';
import { parseReportParams, type RawQuery, type ReportParams } from '../supervision/query-params.js';
import { endInstant } from '../supervision/supervision-queries.js';
import type { Targets } from '../targets/targets.js';
import { TargetsService } from '../targets/targets.service.js';
import { FORMULAS, type ScorecardGroupBy, type ScorecardRow, scorecardRows } from './scorecard.js';

export interface ScorecardReport {
  unitId: string;
  from: string;
  to: string;
  /** The end instant E = min(to, now) (and asOf), never before from. */
  evaluatedAt: string;
  scope: ReportParams['scope'];
  groupBy: ScorecardGroupBy;
  asOf?: string;
  position?: number;
  /** The targets each figure is held against (those in force now, for an as-of answer too). */
  targets: Targets;
  formulas: typeof FORMULAS;
  /** The units the ranks are among. */
  rankedAmong: string[];
  rows: ScorecardRow[];
}

const iso = (ms: number) => new Date(ms).toISOString();

@Injectable()
export class ScorecardQueries {
  constructor(
    private readonly projector: Projector,
    private readonly catalog: CatalogService,
    private readonly targets: TargetsService,
    private readonly asOfReports: AsOfReports,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async scorecard(unitId: string, query: RawQuery): Promise<ScorecardReport> {
    const unit = this.catalog.requireUnit(unitId);
    const now = this.clock.now().getTime();
    const { p, groupBy } = parseScorecardParams(query, now);
    const siblings = unit.parentId === undefined ? [unitId] : this.catalog.children(unit.parentId);
    const answer = (index: TimelinessIndex, at: number, extra: Partial<ScorecardReport>, correction?: Correction): ScorecardReport => {
      const to = p.to!;
      const end = endInstant(p.from, to, at);
      const targets = this.targets.get().targets;
      const { rows, rankedAmong } = scorecardRows(index, this.catalog, targets, { unitId, scope: p.scope, groupBy, from: p.from, end, siblings }, correction);
      return { unitId, from: iso(p.from), to: iso(to), evaluatedAt: iso(end), scope: p.scope, groupBy, ...extra, targets, formulas: FORMULAS, rankedAmong, rows };
    };
    if (p.asOf !== undefined) {
      const at = Math.min(now, p.asOf);
      const { views, correction } = await this.asOfReports.asOf(p.asOf, { from: p.from, end: endInstant(p.from, p.to!, at) });
      return answer(views.index, at, { asOf: iso(p.asOf) }, correction);
    }
    const views = await this.projector.readModel<DossierQueries>(DOSSIER_VIEWS.name, p.minPosition, p.timeoutMs);
    return answer(views.index, now, { position: views.checkpoint });
  }
}

/** The timeliness report's parameters, with groupBy none or child; every problem reported at once. */
export function parseScorecardParams(query: RawQuery, now: number): { p: ReportParams; groupBy: ScorecardGroupBy } {
  const errors: FieldError[] = [];
  const g = query.groupBy;
  const groupBy: ScorecardGroupBy = g === 'child' ? 'child' : 'none';
  if (g !== undefined && g !== '' && g !== 'none' && g !== 'child') errors.push({ field: 'groupBy', message: 'groupBy must be one of none, child' });
  let p: ReportParams | undefined;
  try {
    p = parseReportParams({ ...query, groupBy: undefined }, now);
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'VALIDATION_FAILED')) throw error;
    errors.push(...(error.errors ?? []));
  }
  if (p === undefined || errors.length > 0) throw validationFailed(errors);
  return { p, groupBy };
}
