/**
 * POST/GET /units/{unitId}/reconciliations: a register compared with the dossiers the unit
 * received (compare.ts), recorded as a `RegisterReconciled` event (reconciliation-events.ts), and
 * read back from the log. Nothing is recorded for a register with problems.
 */
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Principal } from '../access/principal.js';
import { CatalogService } from '../catalog/catalog.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { AppError, type FieldError, notFound, validationFailed } from '../common/errors.js';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../event-store/event-store.port.js';
import { Projector } from '../projections/projector.js';
import { compareRegister, registerSpan, type Span, type SystemDossier } from './compare.js';
import {
  MAX_RECORDED_DIFFERENCES,
  reconciliationStream,
  recordedSpan,
  REGISTER_RECONCILED,
  type RegisterReconciledData,
} from './reconciliation-events.js';
import { encodeCursor, type ReconcileParams } from './reconciliation-params.js';
import { type ReadRegister, readCsvRegister, readJsonRegister, RegisterFileError } from './register.js';

/** Line problems listed in a 400 answer (the detail says how many there were). */
export const MAX_LISTED_PROBLEMS = 100;
/** Dossiers read from the read models at a time; the event loop is given back between pages. */
const SYSTEM_PAGE = 5_000;

export type RegisterInput = { format: 'csv'; file: Buffer } | { format: 'json'; body: unknown; file: Buffer };

/** A reconciliation in a list: everything but its differences. */
export type ReconciliationSummary = Omit<RegisterReconciledData, 'differences'>;

@Injectable()
export class Reconciliations {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly projector: Projector,
    private readonly catalog: CatalogService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async reconcile(unitId: string, input: RegisterInput, p: ReconcileParams, who: Principal, correlationId?: string): Promise<RegisterReconciledData> {
    this.catalog.requireUnit(unitId);
    const register = readRegister(input);
    if (register.problems.length > 0) throw lineProblems(register, input.format);
    const span: Span | undefined = p.from !== undefined && p.to !== undefined ? { from: p.from, to: p.to } : registerSpan(register.rows);
    if (span === undefined && register.rows.length === 0) {
      throw validationFailed([{ field: 'register', message: 'the register has no rows: give from and to to list what the system holds for that span' }]);
    }
    await this.projector.waitFor(p.minPosition, p.timeoutMs);
    const position = this.projector.checkpoint;
    const comparison = compareRegister(register.rows, await this.unitDossiers(unitId), p.toleranceMinutes, span);
    const reconciliationId = randomUUID();
    const now = this.clock.now().toISOString();
    const data: RegisterReconciledData = {
      reconciliationId,
      unitId,
      reconciledAt: now,
      actor: who.name,
      format: input.format,
      registerDigest: `sha256:${createHash('sha256').update(input.file).digest('hex')}`,
      registerBytes: input.file.length,
      toleranceMinutes: p.toleranceMinutes,
      span: recordedSpan(span),
      position,
      counts: comparison.counts,
      differences: comparison.differences.slice(0, MAX_RECORDED_DIFFERENCES),
      differencesTruncated: comparison.differences.length > MAX_RECORDED_DIFFERENCES,
    };
    const metadata = { occurredAt: now, recordedAt: now, actor: who.name, commandId: reconciliationId, correlationId: correlationId ?? reconciliationId, causationId: reconciliationId };
    await this.store.append(reconciliationStream(unitId), [{ id: reconciliationId, type: REGISTER_RECONCILED, data: { ...data }, metadata }], 'any');
    return data;
  }

  /** The unit's reconciliations, newest first; `before`: the revision the previous page stopped at. */
  async list(unitId: string, limit: number, before: number | undefined): Promise<{ items: ReconciliationSummary[]; nextCursor: string | null }> {
    this.catalog.requireUnit(unitId);
    const events = await this.store.readStream(reconciliationStream(unitId), { direction: 'backwards', fromRevision: before ?? 'end', maxCount: limit + 1 });
    const page = events.filter((e) => e.type === REGISTER_RECONCILED).slice(0, limit);
    const items = page.map((e) => {
      const { differences: _, ...summary } = dataOf(e);
      return summary;
    });
    return { items, nextCursor: events.length > limit ? encodeCursor(events[limit].revision) : null };
  }

  /** One reconciliation of the unit, with its recorded differences; 404 for another unit's. */
  async get(unitId: string, reconciliationId: string): Promise<RegisterReconciledData> {
    this.catalog.requireUnit(unitId);
    const stream = reconciliationStream(unitId);
    for (let from: number | 'end' = 'end'; ; ) {
      const events = await this.store.readStream(stream, { direction: 'backwards', fromRevision: from, maxCount: 100 });
      const found = events.find((e) => e.type === REGISTER_RECONCILED && e.id === reconciliationId);
      if (found) return dataOf(found);
      if (events.length < 100 || events[events.length - 1].revision === 0) throw notFound(`reconciliation ${reconciliationId} of unit ${unitId}`);
      from = events[events.length - 1].revision - 1;
    }
  }

  /** The dossiers the unit received, as the comparison needs them, a page at a time. */
  private async unitDossiers(unitId: string): Promise<SystemDossier[]> {
    const out: SystemDossier[] = [];
    const now = this.clock.now().getTime();
    for (let afterSeq = 0; ; ) {
      const views = this.projector.dossiers.list({ unitIds: [unitId], now, afterSeq, limit: SYSTEM_PAGE });
      for (const v of views) {
        out.push({ dossierId: v.dossierId, status: v.status, receivedAt: v.receivedAt, resolvedAt: v.closure === 'resolved' ? v.closedAt : null, returnedAt: v.returnedAt });
      }
      if (views.length < SYSTEM_PAGE) return out;
      afterSeq = views[views.length - 1].seq;
      await yieldToLoop();
    }
  }
}

function readRegister(input: RegisterInput): ReadRegister {
  try {
    return input.format === 'csv' ? readCsvRegister(input.file) : readJsonRegister(input.body);
  } catch (error) {
    if (error instanceof RegisterFileError) throw validationFailed([{ field: 'register', message: error.message }], error.message);
    throw error;
  }
}

function lineProblems(register: ReadRegister, format: RegisterInput['format']): AppError {
  const { problems } = register;
  const what = format === 'csv' ? 'line' : 'item';
  const errors: FieldError[] = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => ({ field: `${what} ${p.line}`, message: p.message }));
  const listed = problems.length > MAX_LISTED_PROBLEMS ? `; the first ${MAX_LISTED_PROBLEMS} are listed` : '';
  return validationFailed(errors, `${problems.length} ${what}${problems.length === 1 ? '' : 's'} of the register cannot be read${listed}; nothing was recorded`);
}

const dataOf = (e: RecordedEvent) => e.data as unknown as RegisterReconciledData;
