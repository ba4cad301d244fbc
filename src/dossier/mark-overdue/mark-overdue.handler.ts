import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { SYSTEM_PRINCIPAL } from '../../access/principal.js';
import { CatalogService } from '../../catalog/catalog.service.js';
import { WrongExpectedRevisionError } from '../../event-store/errors.js';
import { DossierRepository } from '../application/dossier-repository.js';
import { decide } from '../domain/decide.js';
import { MarkOverdue, type MarkOverdueResult } from './mark-overdue.command.js';

/**
 * Appends DossierBecameOverdue with the dossier's expected revision: when several instances
 * race, one append wins and the others find the dossier already marked (or moved on).
 */
@CommandHandler(MarkOverdue)
export class MarkOverdueHandler implements ICommandHandler<MarkOverdue, MarkOverdueResult> {
  constructor(
    private readonly repository: DossierRepository,
    private readonly catalog: CatalogService,
  ) {}

  async execute({ dossierId, now }: MarkOverdue): Promise<MarkOverdueResult> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const state = await this.repository.load(dossierId);
      if (state.status === 'none') return { appended: false };
      const calendar = this.catalog.calendar();
      const decided = decide({ type: 'MarkOverdue' }, state, { calendar: calendar.compiled, calendarRevision: calendar.revision, now: now.getTime() });
      if (decided.length === 0) return { appended: false };
      const commandId = randomUUID();
      try {
        const result = await this.repository.append(dossierId, state, decided, {
          actor: SYSTEM_PRINCIPAL.name,
          commandId,
          correlationId: commandId,
          causationId: commandId,
          recordedAt: now,
        });
        return { appended: true, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
      }
    }
    return { appended: false };
  }
}
