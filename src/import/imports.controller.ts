import { Controller, HttpCode, Inject, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiKeyRequired, ApiProblems } from '../docs/api-docs.decorators.js';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { readRawBody } from '../common/raw-bodies.js';
import { CurrentPrincipal, type Principal, Roles } from '../access/principal.js';
import { AppError, validationFailed } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { DossierImporter, type ImportSummary } from './dossier-importer.js';
import { ImportFileError, parseColumnMapping } from './import-format.js';
import type { ImportFormat } from './import-reader.js';

/** The media types of import files, and the format each means. */
export const IMPORT_MEDIA_TYPES: Record<string, ImportFormat> = {
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'text/csv': 'csv',
};

/**
 * POST /imports: a file of past dossier commands (NDJSON or CSV), imported line by line through
 * the integrators' command pipeline. Integrators only, as every dossier command: a key limited to
 * some units imports lines of those units, the others are refused as they would be over HTTP.
 * The body has a limit of its own (IMPORT_BODY_LIMIT_BYTES) and is read in full before the first
 * line is imported, so that a file too large changes nothing.
 */
@ApiTags('imports')
@ApiKeyRequired()
@Roles('integrator')
@Controller('imports')
export class ImportsController {
  constructor(
    private readonly importer: DossierImporter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Import a file of past dossier commands (NDJSON or CSV) through the command pipeline' })
  @ApiAnswer(200, 'every line done: counts, position, and the refused lines with their numbers and reasons', {
    lines: 3, bytes: 412, imported: 2, alreadyImported: 0, refused: 1, dossiers: 2, correlationId: 'import-6f1c0e4a-2b7d-4c1e-9a53-0d5b8e7f3a21', position: 1042, interrupted: false, durationMs: 18,
    refusedLines: [{ line: 3, dossierId: 'HS-2', command: 'resolve', code: 'ILLEGAL_TRANSITION', detail: 'dossier HS-2 is withdrawn' }],
  })
  @ApiProblems('VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE')
  @ApiConsumes(...Object.keys(IMPORT_MEDIA_TYPES))
  @ApiBody({ description: 'one command per line: {"command":"receive","dossierId":"HS-1",...the body of the HTTP route}; or CSV with a header row' })
  @ApiQuery({ name: 'columns', required: false, description: 'CSV columns the built-in names do not know: "Số biên nhận=dossierId,Loại=command"' })
  async import(@Req() request: FastifyRequest, @CurrentPrincipal() who: Principal, @Query('columns') columns?: string): Promise<ImportSummary> {
    const format = formatOf(request.headers['content-type']);
    let mapping: Record<string, string>;
    try {
      mapping = parseColumnMapping(columns);
    } catch (error) {
      throw validationFailed([{ field: 'columns', message: (error as Error).message }]);
    }
    const declared = Number(request.headers['content-length']);
    if (declared > this.config.importBodyLimitBytes) throw tooLarge(this.config.importBodyLimitBytes);
    const file = await readRawBody(request.body, this.config.importBodyLimitBytes, () => tooLarge(this.config.importBodyLimitBytes));
    // The answer comes when every line is done, minutes for a large file: the connection's idle
    // timeout (CONNECTION_TIMEOUT_MS) is not for this silence (as for live streams).
    request.raw.socket?.setTimeout(0);
    try {
      return await this.importer.run(Readable.from([file]), { format, columns: mapping, principal: who, correlationId: `import-${randomUUID()}` });
    } catch (error) {
      if (error instanceof ImportFileError) throw new AppError('VALIDATION_FAILED', error.message, []);
      throw error;
    }
  }
}

function formatOf(contentType: string | undefined): ImportFormat {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const format = IMPORT_MEDIA_TYPES[type];
  if (!format) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `send the file as ${Object.keys(IMPORT_MEDIA_TYPES).join(' or ')}, not ${type || 'no content type'}`);
  return format;
}

const tooLarge = (limit: number) => new AppError('PAYLOAD_TOO_LARGE', `the file is larger than ${limit} bytes (IMPORT_BODY_LIMIT_BYTES); split it, or import it with npm run import`);
