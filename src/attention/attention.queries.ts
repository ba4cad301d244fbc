/** GET /units/{unitId}/attention and /attention/counts: the review lists, at the service's now. */
import { Inject, Injectable } from '@nestjs/common';
import { CatalogService } from '../catalog/catalog.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { Projector } from '../projections/projector.js';
import type { Scope } from '../projections/report-index/timeliness-report.js';
import { DEFAULT_WAIT_MS, MAX_PAGE, type RawQuery, Reader } from '../supervision/query-params.js';
import { ATTENTION_KINDS, type AttentionKind, DEFAULT_THRESHOLDS, keyRanges, type Thresholds, why } from './attention-kinds.js';
import type { AttentionQueries, ListPosition } from './attention.read-model.js';
import type { AttentionRow } from './attention-row.js';

export interface AttentionItem {
  dossierId: string;
  kind: AttentionKind;
  unitId: string;
  currentUnitId: string;
  status: AttentionRow['status'];
  dueAt: string;
  lastEventAt: string;
  resolvedAt?: string;
  why: string;
}

interface Answer {
  unitId: string;
  scope: Scope;
  /** The instant the lists were drawn at (the service's now). */
  evaluatedAt: string;
  thresholds: Thresholds;
  /** Read-model checkpoint the answer was computed at. */
  position: number;
}

export interface AttentionList extends Answer {
  kind: AttentionKind;
  items: AttentionItem[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export interface AttentionCounts extends Answer {
  counts: Record<AttentionKind, number>;
}

const DEFAULT_PAGE = 50;
const iso = (ms: number) => new Date(ms).toISOString();

/** Opaque to clients: the list and the position after which the next page starts. */
const encodeCursor = (kind: AttentionKind, at: ListPosition) => Buffer.from(JSON.stringify({ kind, key: at.key, id: at.dossierId })).toString('base64url');

function decodeCursor(cursor: string, kind: AttentionKind | undefined): ListPosition | string {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { kind?: unknown; key?: unknown; id?: unknown };
    if (!Number.isSafeInteger(v.key) || typeof v.id !== 'string' || v.id === '' || !(ATTENTION_KINDS as readonly unknown[]).includes(v.kind)) return 'cursor is not one this service gave out';
    if (kind !== undefined && v.kind !== kind) return `cursor belongs to the ${String(v.kind)} list`;
    return { key: v.key as number, dossierId: v.id };
  } catch {
    return 'cursor is not one this service gave out';
  }
}

function parseCommon(r: Reader) {
  return {
    scope: r.oneOf<Scope>('scope', ['self', 'subtree'], 'subtree'),
    thresholds: {
      withinWorkingHours: r.integer('withinWorkingHours', 1, 2000) ?? DEFAULT_THRESHOLDS.withinWorkingHours,
      afterWorkingDays: r.integer('afterWorkingDays', 0, 250) ?? DEFAULT_THRESHOLDS.afterWorkingDays,
    },
    minPosition: r.integer('minPosition', 0, Number.MAX_SAFE_INTEGER),
    timeoutMs: r.integer('timeoutMs', 0, 30_000) ?? DEFAULT_WAIT_MS,
  };
}

@Injectable()
export class AttentionLists {
  constructor(
    private readonly projector: Projector,
    private readonly catalog: CatalogService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(unitId: string, query: RawQuery): Promise<AttentionList> {
    this.catalog.requireUnit(unitId);
    const r = new Reader(query);
    const kind = r.oneOf('kind', ATTENTION_KINDS);
    if (kind === undefined && r.errors.length === 0) r.errors.push({ field: 'kind', message: `kind is required: one of ${ATTENTION_KINDS.join(', ')}` });
    const common = parseCommon(r);
    const limit = r.integer('limit', 1, MAX_PAGE) ?? DEFAULT_PAGE;
    const cursor = r.string('cursor');
    let after: ListPosition | undefined;
    if (cursor !== undefined) {
      const decoded = decodeCursor(cursor, kind);
      if (typeof decoded === 'string') r.errors.push({ field: 'cursor', message: decoded });
      else after = decoded;
    }
    r.done();
    const { model, answer, now, calendar } = await this.open(unitId, common);
    const range = keyRanges(calendar, now, common.thresholds)[kind!];
    const rows = model.page(kind!, this.units(unitId, common.scope), range, after, limit + 1);
    const page = rows.slice(0, limit);
    const items = page.map((row): AttentionItem => ({
      dossierId: row.dossierId,
      kind: kind!,
      unitId: row.unitId,
      currentUnitId: row.currentUnitId,
      status: row.status,
      dueAt: iso(row.dueAt),
      lastEventAt: iso(row.lastEventAt),
      ...(row.resolvedAt === null ? {} : { resolvedAt: iso(row.resolvedAt) }),
      why: why(kind!, row, calendar, now),
    }));
    const last = page[page.length - 1];
    const key = (row: AttentionRow) => (kind === 'not_returned' ? row.resolvedAt! : kind === 'silent' ? row.lastEventAt : row.dueAt);
    return { ...answer, kind: kind!, items, ...(rows.length > limit ? { nextCursor: encodeCursor(kind!, { key: key(last), dossierId: last.dossierId }) } : {}) };
  }

  async counts(unitId: string, query: RawQuery): Promise<AttentionCounts> {
    this.catalog.requireUnit(unitId);
    const r = new Reader(query);
    const common = parseCommon(r);
    r.done();
    const { model, answer, now, calendar } = await this.open(unitId, common);
    return { ...answer, counts: model.counts(this.units(unitId, common.scope), keyRanges(calendar, now, common.thresholds)) };
  }

  private async open(unitId: string, p: ReturnType<typeof parseCommon>) {
    const model = await this.projector.readModel<AttentionQueries>('attention', p.minPosition, p.timeoutMs);
    const now = this.clock.now().getTime();
    const answer: Answer = { unitId, scope: p.scope, evaluatedAt: iso(now), thresholds: p.thresholds, position: this.projector.checkpoint };
    return { model, answer, now, calendar: this.catalog.calendar().compiled };
  }

  private units(unitId: string, scope: Scope): readonly string[] {
    return scope === 'subtree' ? this.catalog.subtree(unitId) : [unitId];
  }
}
