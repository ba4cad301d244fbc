import type { PipeTransform } from '@nestjs/common';
import type { CatalogService } from '../catalog/catalog.service.js';
import { assertId } from '../common/validation.js';
import type { IntegratorCommand } from '../dossier/integrator-commands/execute-dossier-command.js';
import { ApologizeBody, OccurredBody, ReasonBody, ReceiveDossierBody, ResolveBody, TransferBody } from '../dossier/integrator-commands/dossier.dto.js';
import { instant } from '../dossier/integrator-commands/request-context.js';
import type { ImportCommandKind, ImportRecord } from './import-format.js';

/** The body class each command's HTTP route validates with. */
const BODY_CLASS: Record<ImportCommandKind, new () => object> = {
  receive: ReceiveDossierBody,
  transfer: TransferBody,
  'request-supplement': ReasonBody,
  supplement: OccurredBody,
  apologize: ApologizeBody,
  resolve: ResolveBody,
  'return-result': OccurredBody,
  withdraw: ReasonBody,
};

/**
 * A line's command as its HTTP route builds it (src/dossier/integrator-commands/dossier-commands.controller.ts):
 * the body checked by the service's own validation pipe against the same DTO class, the instants
 * parsed by the same function, the procedure looked up in the catalog. Throws the same AppErrors.
 */
export async function commandOf(record: ImportRecord, pipe: PipeTransform, catalog: CatalogService): Promise<IntegratorCommand> {
  if (record.kind !== 'receive') assertId(record.dossierId, 'dossierId');
  // A copy: the pipe may strip keys of the object it is given.
  const body = (await pipe.transform({ ...record.body }, { type: 'body', metatype: BODY_CLASS[record.kind] })) as Record<string, never>;
  switch (record.kind) {
    case 'receive': {
      const b = body as unknown as ReceiveDossierBody;
      const procedure = catalog.requireProcedure(b.procedureCode);
      return { type: 'Receive', dossierId: b.dossierId, procedure, unitId: b.unitId, channel: b.channel, receivedAt: instant(b.receivedAt, 'receivedAt'), digitized: b.digitized ?? false };
    }
    case 'transfer': {
      const b = body as unknown as TransferBody;
      const command: IntegratorCommand = { type: 'Transfer', toUnitId: b.toUnitId, occurredAt: instant(b.occurredAt, 'occurredAt') };
      if (b.allottedWorkingHours !== undefined) command.allottedWorkingHours = b.allottedWorkingHours;
      return command;
    }
    case 'request-supplement': {
      const b = body as unknown as ReasonBody;
      return { type: 'RequestSupplement', reason: b.reason, occurredAt: instant(b.occurredAt, 'occurredAt') };
    }
    case 'supplement':
      return { type: 'Supplement', occurredAt: instant((body as unknown as OccurredBody).occurredAt, 'occurredAt') };
    case 'apologize': {
      const b = body as unknown as ApologizeBody;
      return {
        type: 'Apologize',
        reason: b.reason,
        newAppointmentAt: instant(b.newAppointmentAt, 'newAppointmentAt'),
        responsibleUnitId: b.responsibleUnitId,
        occurredAt: instant(b.occurredAt, 'occurredAt'),
      };
    }
    case 'resolve': {
      const b = body as unknown as ResolveBody;
      return { type: 'Resolve', outcome: b.outcome, resultDigitized: b.resultDigitized ?? false, occurredAt: instant(b.occurredAt, 'occurredAt') };
    }
    case 'return-result':
      return { type: 'ReturnResult', occurredAt: instant((body as unknown as OccurredBody).occurredAt, 'occurredAt') };
    case 'withdraw': {
      const b = body as unknown as ReasonBody;
      return { type: 'Withdraw', reason: b.reason, occurredAt: instant(b.occurredAt, 'occurredAt') };
    }
    default: {
      const never: never = record.kind;
      throw new Error(`unhandled import command ${String(never)}`);
    }
  }
}

/**
 * What makes two lines the same command (their event ids derive from it): the command with its
 * instants as numbers, so that `+07:00` and `Z` spellings, or a CSV row and an NDJSON line, agree.
 */
export function canonicalOf(dossierId: string, command: IntegratorCommand): string {
  const { procedure, ...rest } = command as IntegratorCommand & { procedure?: { code: string } };
  const fields = { ...rest, ...(procedure ? { procedureCode: procedure.code } : {}) } as Record<string, unknown>;
  return JSON.stringify([dossierId, ...Object.keys(fields).sort().map((k) => [k, fields[k]])]);
}
