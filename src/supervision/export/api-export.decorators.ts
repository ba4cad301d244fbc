/**
 * OpenAPI for a report route that also answers as CSV and as a workbook: the `format` option and
 * one 200 answer with the three media types (the CSV example is the JSON example, exported).
 */
import { applyDecorators } from '@nestjs/common';
import { ApiQuery, ApiResponse } from '@nestjs/swagger';
import { FORMATS, MEDIA_TYPE } from './export-format.js';
import type { FormTable, Names } from './form-table.js';
import { toCsv } from './render.js';

/** The example documents' units, by name. */
const EXAMPLE_NAMES: Names = {
  unit: (id) => ({ STP: 'Sở Tư pháp', 'STP-HCTP': 'Phòng Hành chính tư pháp' })[id] ?? id,
  procedure: (code) => code,
};

export function ApiReportAnswer<R>(description: string, example: R, form: (report: R, names: Names) => FormTable, formName: string) {
  const stem = form(example, EXAMPLE_NAMES).fileStem;
  return applyDecorators(
    ApiQuery({
      name: 'format',
      required: false,
      enum: [...FORMATS],
      description: `json (the default), csv or xlsx: ${formName} with Vietnamese headings, a row per unit and the total (also chosen by Accept: text/csv or the xlsx media type; format wins)`,
    }),
    ApiResponse({
      status: 200,
      description: `${description}; as csv or xlsx, a download (Content-Disposition: attachment; filename="${stem}.xlsx")`,
      headers: {
        'Content-Disposition': { description: 'csv and xlsx only: attachment, with an ASCII file name', schema: { type: 'string', example: `attachment; filename="${stem}.xlsx"` } },
      },
      content: {
        [MEDIA_TYPE.json]: { example },
        [MEDIA_TYPE.csv]: {
          schema: { type: 'string', description: 'RFC 4180, UTF-8 with a byte order mark (so that Excel reads the Vietnamese text as UTF-8)' },
          example: toCsv(form(example, EXAMPLE_NAMES)),
        },
        [MEDIA_TYPE.xlsx]: { schema: { type: 'string', format: 'binary', description: `an Excel workbook of one sheet laid out as ${formName}` } },
      },
    }),
  );
}
