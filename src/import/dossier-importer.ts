import { Inject, Injectable, type PipeTransform } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { hash } from 'node:crypto';
import type { Principal } from '../access/principal.js';
import { CatalogService } from '../catalog/catalog.service.js';
import { AppError, type FieldError } from '../common/errors.js';
import { createValidationPipe } from '../common/validation.js';
import { type CommandAnswer, ExecuteDossierCommand, type IntegratorCommand } from '../dossier/integrator-commands/execute-dossier-command.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { canonicalOf, commandOf } from './import-commands.js';
import type { ImportCommandKind } from './import-format.js';
import { type ReadOptions, readImportLines } from './import-reader.js';

export interface ImportOptions extends ReadOptions {
  /** Who imports: the actor of the events, and the units its lines may touch (as over HTTP). */
  principal: Principal;
  /** Ties the events of one run together (their correlationId). */
  correlationId: string;
  /** Commands in flight at once (different dossiers; one dossier's lines run in file order). */
  concurrency?: number;
  onProgress?(progress: ImportProgress): void;
  /** Stops reading lines; the lines already started finish (a later run goes on from there). */
  signal?: AbortSignal;
}

export interface ImportProgress {
  /** Lines read (blank ones not counted), and bytes of the file read. */
  lines: number;
  bytes: number;
  imported: number;
  alreadyImported: number;
  refused: number;
  /** Receptions imported by this run: new dossiers. */
  dossiers: number;
}

export interface RefusedLine {
  line: number;
  dossierId?: string;
  command?: ImportCommandKind;
  /** The code the same command would get over HTTP (VALIDATION_FAILED, ILLEGAL_TRANSITION, NOT_FOUND...), or INVALID_JSON, UNKNOWN_COMMAND, EARLIER_LINE_REFUSED. */
  code: string;
  detail: string;
  errors?: FieldError[];
}

export interface ImportSummary extends ImportProgress {
  correlationId: string;
  /** The highest log position the lines reached (for `minPosition` on queries). */
  position: number;
  /** Whether the run was stopped before the end of the file (a later run goes on). */
  interrupted: boolean;
  durationMs: number;
  refusedLines: RefusedLine[];
}

const DEFAULT_CONCURRENCY = 512;
const PROGRESS_EVERY = 500;

/**
 * Imports a file of past dossier commands through the same pipeline as the HTTP routes: each
 * line's body is checked against its route's DTO, then executed by the CommandBus handler (scope,
 * decider, deadlines, refusals). Idempotent: a line's event ids derive from the command it holds
 * (and how many identical ones came before it in its dossier), so a second run, or a run resumed
 * after a kill, finds those events in the stream and appends nothing again. After a refused line,
 * the later lines of its dossier are refused too: a history with a hole in it would count wrong.
 */
@Injectable()
export class DossierImporter {
  private readonly pipe: PipeTransform = createValidationPipe();

  constructor(
    private readonly commands: CommandBus,
    private readonly catalog: CatalogService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async run(input: AsyncIterable<Buffer | string>, options: ImportOptions): Promise<ImportSummary> {
    const started = performance.now();
    const headAtStart = (await this.store.headPosition()) ?? 0;
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    const progress: ImportProgress = { lines: 0, bytes: 0, imported: 0, alreadyImported: 0, refused: 0, dossiers: 0 };
    const refusedLines: RefusedLine[] = [];
    /** The first refused line of each dossier. */
    const refusedAt = new Map<string, number>();
    /** The last line started of each dossier: the next one waits for it. */
    const tails = new Map<string, Promise<void>>();
    /** How many times each command was seen (by its hash): identical lines of a dossier stay distinct. */
    const seen = new Map<string, number>();
    let position = 0;
    let inFlight = 0;
    let wake: (() => void) | undefined;
    let fatal: unknown;

    const refuse = (line: number, dossierId: string | undefined, command: ImportCommandKind | undefined, code: string, detail: string, errors?: FieldError[]) => {
      refusedLines.push({ line, ...(dossierId !== undefined ? { dossierId } : {}), ...(command ? { command } : {}), code, detail, ...(errors ? { errors } : {}) });
      progress.refused++;
      // The first refused line of the dossier: a line that fails its checks is refused before the
      // lines ahead of it in its dossier have run, and stops only those after it.
      if (dossierId === undefined) return;
      const first = refusedAt.get(dossierId);
      if (first === undefined || line < first) refusedAt.set(dossierId, line);
    };
    const execute = async (line: number, dossierId: string, kind: ImportCommandKind, command: IntegratorCommand, seed: string) => {
      const earlier = refusedAt.get(dossierId);
      if (earlier !== undefined && earlier < line) return refuse(line, dossierId, kind, 'EARLIER_LINE_REFUSED', `line ${earlier} of this dossier was refused`);
      try {
        const answer = await this.commands.execute<ExecuteDossierCommand, CommandAnswer>(
          new ExecuteDossierCommand(dossierId, command, options.principal, { eventIdSeed: seed, correlationId: options.correlationId }),
        );
        // Events already in the log before this run began: the line was imported by an earlier run.
        if (answer.body.position > headAtStart) {
          progress.imported++;
          if (kind === 'receive') progress.dossiers++;
        } else progress.alreadyImported++;
        if (answer.body.position > position) position = answer.body.position;
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        refuse(line, dossierId, kind, error.code, error.detail, error.errors);
      }
    };

    try {
      for await (const source of readImportLines(input, options)) {
        if (fatal !== undefined || options.signal?.aborted) break;
        progress.lines++;
        if (source.bytes > 0) progress.bytes = source.bytes;
        if (progress.lines % PROGRESS_EVERY === 0) options.onProgress?.({ ...progress });
        if (source.refusal) {
          refuse(source.line, undefined, undefined, source.refusal.code, source.refusal.detail);
          continue;
        }
        const { kind, dossierId } = source.record!;
        let command: IntegratorCommand;
        try {
          command = await commandOf(source.record!, this.pipe, this.catalog);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          refuse(source.line, dossierId, kind, error.code, error.detail, error.errors);
          continue;
        }
        const digest = hash('sha256', canonicalOf(dossierId, command), 'hex');
        const nth = seen.get(digest) ?? 0;
        seen.set(digest, nth + 1);
        const seed = `import\u0000${digest}\u0000${nth}`;
        const line = source.line;
        inFlight++;
        const task: Promise<void> = (tails.get(dossierId) ?? Promise.resolve())
          .then(() => execute(line, dossierId, kind, command, seed))
          .catch((error: unknown) => {
            fatal ??= error;
          })
          .finally(() => {
            inFlight--;
            if (tails.get(dossierId) === task) tails.delete(dossierId);
            if (inFlight < concurrency) wake?.();
          });
        tails.set(dossierId, task);
        if (inFlight >= concurrency) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      // Also when the file cannot be read on: the lines under way finish before the store may close.
      await Promise.all(tails.values());
    }
    if (fatal !== undefined) throw fatal;
    options.onProgress?.({ ...progress });
    refusedLines.sort((a, b) => a.line - b.line);
    return {
      correlationId: options.correlationId,
      ...progress,
      position,
      interrupted: options.signal?.aborted ?? false,
      durationMs: Math.round(performance.now() - started),
      refusedLines,
    };
  }
}
