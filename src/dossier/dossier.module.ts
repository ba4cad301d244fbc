import { Module } from '@nestjs/common';
import { DossierCommandsController } from './integrator-commands/dossier-commands.controller.js';
import { ExecuteDossierCommandHandler } from './integrator-commands/execute-dossier-command.js';
import { DossierReadsController } from './reads/dossier-reads.controller.js';
import { IdempotencyStore } from './idempotency/idempotency.store.js';
import { MarkOverdueHandler } from './mark-overdue/mark-overdue.handler.js';
import { CalendarReplanController } from './replan/calendar-replan.controller.js';
import { CommandPipeline } from './pipeline/command-pipeline.js';
import { DossierRepository } from './pipeline/dossier-repository.js';
import { CalendarReplanService } from './replan/calendar-replan.service.js';

@Module({
  controllers: [DossierCommandsController, DossierReadsController, CalendarReplanController],
  providers: [DossierRepository, CommandPipeline, IdempotencyStore, ExecuteDossierCommandHandler, MarkOverdueHandler, CalendarReplanService],
  exports: [DossierRepository],
})
export class DossierModule {}
