import { Module, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { acceptRawBodies } from '../common/raw-bodies.js';
import { DossierImporter } from './dossier-importer.js';
import { IMPORT_MEDIA_TYPES, ImportsController } from './imports.controller.js';

/** Bulk import of existing dossiers: POST /imports here, `npm run import` in import-cli.ts. */
@Module({ controllers: [ImportsController], providers: [DossierImporter] })
export class ImportModule implements OnModuleInit {
  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  /** Import files reach the route as a stream, read with a limit of its own (raw-bodies.ts). */
  onModuleInit(): void {
    const fastify = this.adapterHost?.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify?.addContentTypeParser) return;
    acceptRawBodies(fastify, Object.keys(IMPORT_MEDIA_TYPES), '/imports');
  }
}
