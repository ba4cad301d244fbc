/** The scorecard's CSV and workbook answers, as the standard report's (supervision/export). */
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CatalogService } from '../catalog/catalog.service.js';
import { type ExportFormat, MEDIA_TYPE } from '../supervision/export/export-format.js';
import type { Names } from '../supervision/export/form-table.js';
import { toCsv, toXlsx } from '../supervision/export/render.js';
import { scorecardForm } from './scorecard-form.js';
import type { ScorecardReport } from './scorecard-queries.js';

@Injectable()
export class ScorecardExports {
  private readonly names: Names;

  constructor(catalog: CatalogService) {
    this.names = { unit: (unitId) => catalog.getUnit(unitId)?.name ?? unitId, procedure: (code) => code };
  }

  async answer(report: ScorecardReport, format: ExportFormat, reply: FastifyReply): Promise<ScorecardReport | Buffer | string> {
    void reply.header('vary', 'Accept');
    if (format === 'json') return report;
    const table = scorecardForm(report, this.names);
    void reply.header('content-disposition', `attachment; filename="${table.fileStem}.${format}"`);
    if (format === 'csv') {
      void reply.type(`${MEDIA_TYPE.csv}; charset=utf-8`);
      return toCsv(table);
    }
    void reply.type(MEDIA_TYPE.xlsx);
    return toXlsx(table, new Date(report.evaluatedAt));
  }
}
