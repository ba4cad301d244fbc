import { Module } from '@nestjs/common';
import { DossierRepository } from './application/dossier-repository.js';
import { ExecuteDossierCommandHandler } from './application/execute-dossier-command.js';
import { DossierCommandsController } from './http/dossier-commands.controller.js';
import { DossierReadsController } from './http/dossier-reads.controller.js';
import { IdempotencyStore } from './idempotency/idempotency.store.js';
import { MarkOverdueHandler } from './mark-overdue/mark-overdue.handler.js';
import { CalendarReplanController } from './replan/calendar-replan.controller.js';
import { CalendarReplanService } from './replan/calendar-replan.service.js';

@Module({
  controllers: [DossierCommandsController, DossierReadsController, CalendarReplanController],
  providers: [DossierRepository, IdempotencyStore, ExecuteDossierCommandHandler, MarkOverdueHandler, CalendarReplanService],
  exports: [DossierRepository],
})
export class DossierModule {}
