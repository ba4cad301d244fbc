/**
 * Which form a report answers in: `format=json|csv|xlsx` when given (it wins, so that a browser's
 * download link needs no header), else the Accept header, else JSON.
 */
import Negotiator from 'negotiator';
import { validationFailed } from '../../common/errors.js';

export type ExportFormat = 'json' | 'csv' | 'xlsx';
export const FORMATS: readonly ExportFormat[] = ['json', 'csv', 'xlsx'];

export const MEDIA_TYPE: Record<ExportFormat, string> = {
  json: 'application/json',
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Throws 400 VALIDATION_FAILED on a `format` that is not one of FORMATS (or given twice). */
export function exportFormat(format: unknown, accept: string | undefined): ExportFormat {
  if (format !== undefined && format !== '') {
    if (typeof format !== 'string' || !(FORMATS as readonly string[]).includes(format)) {
      throw validationFailed([{ field: 'format', message: `format must be one of ${FORMATS.join(', ')}` }]);
    }
    return format as ExportFormat;
  }
  // An Accept naming none of the three (text/html, say) still gets JSON, as before exports existed.
  const chosen = new Negotiator({ headers: { accept: accept ?? '*/*' } }).mediaType(FORMATS.map((f) => MEDIA_TYPE[f]));
  return FORMATS.find((f) => MEDIA_TYPE[f] === chosen) ?? 'json';
}
