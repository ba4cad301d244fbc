import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SYSTEM_PRINCIPAL } from '../../access/principal.js';
import { CatalogService } from '../../catalog/catalog.service.js';
import { decide } from '../domain/decide.js';
import { CommandPipeline } from '../pipeline/command-pipeline.js';
import { MarkOverdue, type MarkOverdueResult } from './mark-overdue.command.js';

const NOTHING: MarkOverdueResult = { appended: false };

/**
 * Appends DossierBecameOverdue with the dossier's expected revision: when several instances
 * race, one append wins and the others find the dossier already marked (or moved on).
 */
@CommandHandler(MarkOverdue)
export class MarkOverdueHandler implements ICommandHandler<MarkOverdue, MarkOverdueResult> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly catalog: CatalogService,
  ) {}

  execute({ dossierId, now }: MarkOverdue): Promise<MarkOverdueResult> {
    return this.pipeline.run<MarkOverdueResult>({
      dossierId,
      actor: SYSTEM_PRINCIPAL.name,
      at: now,
      attempts: 3,
      decide: ({ state }) => {
        if (state.status === 'none') return { answer: NOTHING };
        const calendar = this.catalog.calendar();
        const decided = decide({ type: 'MarkOverdue' }, state, { calendar: calendar.compiled, calendarRevision: calendar.revision, now: now.getTime() });
        if (decided.length === 0) return { answer: NOTHING };
        return { append: decided, then: (_, result) => ({ appended: true, position: result.position }) };
      },
      conflicted: () => NOTHING,
    });
  }
}
