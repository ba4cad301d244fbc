import { Module, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { errorCodes, type FastifyInstance } from 'fastify';
import { DossierImporter } from './dossier-importer.js';
import { IMPORT_MEDIA_TYPES, ImportsController } from './imports.controller.js';

/** Bulk import of existing dossiers: POST /imports here, `npm run import` in import-cli.ts. */
@Module({ controllers: [ImportsController], providers: [DossierImporter] })
export class ImportModule implements OnModuleInit {
  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  /**
   * Import files reach the route as a stream, unparsed: the route reads them with a limit of its
   * own after the key was checked (Fastify would buffer a body before the guard runs). Other
   * routes keep refusing these media types.
   */
  onModuleInit(): void {
    const fastify = this.adapterHost?.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify?.addContentTypeParser) return;
    for (const type of Object.keys(IMPORT_MEDIA_TYPES)) {
      if (fastify.hasContentTypeParser(type)) continue;
      fastify.addContentTypeParser(type, (request, payload, done) => {
        if (request.routeOptions.url === '/imports') done(null, payload);
        else done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(type), undefined);
      });
    }
  }
}
