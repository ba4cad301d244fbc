/**
 * The report routes' CSV and workbook answers (`format=csv|xlsx`, or Accept): the report as the
 * JSON answer has it, laid out as its form, sent as a download.
 */
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CatalogService } from '../../catalog/catalog.service.js';
import type { StepReport, TimelinessReport } from '../supervision-queries.js';
import { type ExportFormat, MEDIA_TYPE } from './export-format.js';
import { type FormTable, type Names, stepsForm, timelinessForm } from './form-table.js';
import { toCsv, toXlsx } from './render.js';

@Injectable()
export class ReportExports {
  private readonly names: Names;

  constructor(catalog: CatalogService) {
    this.names = {
      unit: (unitId) => catalog.getUnit(unitId)?.name ?? unitId,
      procedure: (code) => catalog.getProcedure(code)?.name ?? code,
    };
  }

  /** The report itself for JSON; else its form as CSV or a workbook, with the download headers set. */
  timeliness(report: TimelinessReport, format: ExportFormat, reply: FastifyReply): Promise<TimelinessReport | Buffer | string> {
    return this.answer(report, format, reply, () => timelinessForm(report, this.names));
  }

  steps(report: StepReport, format: ExportFormat, reply: FastifyReply): Promise<StepReport | Buffer | string> {
    return this.answer(report, format, reply, () => stepsForm(report, this.names));
  }

  /** Any report laid out by `form` (a feature's own form, e.g. entry lag). */
  report<R extends { evaluatedAt: string }>(report: R, format: ExportFormat, reply: FastifyReply, form: (names: Names) => FormTable): Promise<R | Buffer | string> {
    return this.answer(report, format, reply, () => form(this.names));
  }

  private async answer<R extends { evaluatedAt: string }>(report: R, format: ExportFormat, reply: FastifyReply, form: () => FormTable) {
    // The same URL answers differently by Accept: caches must key on it.
    void reply.header('vary', 'Accept');
    if (format === 'json') return report;
    const table = form();
    void reply.header('content-disposition', `attachment; filename="${table.fileStem}.${format}"`);
    if (format === 'csv') {
      void reply.type(`${MEDIA_TYPE.csv}; charset=utf-8`);
      return toCsv(table);
    }
    void reply.type(MEDIA_TYPE.xlsx);
    return toXlsx(table, new Date(report.evaluatedAt));
  }
}
