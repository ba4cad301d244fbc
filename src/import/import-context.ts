import { type DynamicModule, type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UNIT_TREE, UnitScope } from '../access/unit-scope.js';
import { CatalogModule } from '../catalog/catalog.module.js';
import { CatalogService } from '../catalog/catalog.service.js';
import { CLOCK, systemClock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { IdempotencyStore } from '../dossier/idempotency/idempotency.store.js';
import { ExecuteDossierCommandHandler } from '../dossier/integrator-commands/execute-dossier-command.js';
import { CommandPipeline } from '../dossier/pipeline/command-pipeline.js';
import { DossierRepository } from '../dossier/pipeline/dossier-repository.js';
import { EventStoreModule } from '../event-store/event-store.module.js';
import { DossierImporter } from './dossier-importer.js';
import { ImportFileError } from './import-format.js';

/**
 * The part of the service an import needs, without HTTP, projections or watchers: the store, the
 * catalog, the dossier command handler and the importer. The read models catch up with the
 * imported events when the service starts next (the projector resumes from its checkpoint).
 */
@Module({})
class ImportContextModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ImportContextModule,
      global: true,
      imports: [CqrsModule.forRoot(), EventStoreModule, CatalogModule],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: CLOCK, useValue: systemClock },
        { provide: UNIT_TREE, useExisting: CatalogService },
        UnitScope,
        DossierRepository,
        CommandPipeline,
        IdempotencyStore,
        ExecuteDossierCommandHandler,
        DossierImporter,
      ],
      exports: [APP_CONFIG, CLOCK, UnitScope],
    };
  }
}

/** The service's warnings and errors, as JSON lines on stderr: stdout carries the summary (`--json`). */
class StderrLogger implements LoggerService {
  constructor(private readonly quiet: boolean) {}

  log(): void {}
  error(message: unknown, _stack?: string, context?: string): void {
    this.write('error', message, context);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }

  private write(level: string, message: unknown, context?: string): void {
    if (this.quiet) return;
    const body = message instanceof Error ? { msg: message.message } : typeof message === 'object' && message !== null ? message : { msg: String(message) };
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, ...(context ? { context } : {}), ...body })}\n`);
  }
}

export interface ImportContext {
  importer: DossierImporter;
  close(): Promise<void>;
}

/** A DATA_DIR in use by a running service (the embedded store holds its file while open). */
export class DataDirInUseError extends ImportFileError {}

/**
 * Opens a stopped service's data directory for an import. Refuses a directory without an event
 * store (a typo would otherwise start an empty province) and one a running service holds.
 */
export async function openImportContext(config: AppConfig): Promise<ImportContext> {
  if (config.eventStore === 'sqlite' && !existsSync(join(config.dataDir, 'events.db'))) {
    throw new ImportFileError(`${config.dataDir} holds no event store (events.db): start the service on it once and define its units and procedures first`);
  }
  let app;
  try {
    app = await NestFactory.createApplicationContext(ImportContextModule.forRoot({ ...config, seedDemo: false }), {
      logger: new StderrLogger(config.logLevel === 'silent'),
      abortOnError: false,
    });
  } catch (error) {
    if (/in use by another process/.test((error as Error).message)) {
      throw new DataDirInUseError(`${config.dataDir} is in use by a running service (it holds the event store while it runs): stop it first, or send the file to it with --url and --key`);
    }
    throw error;
  }
  return { importer: app.get(DossierImporter), close: () => app.close() };
}
