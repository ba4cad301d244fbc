/**
 * What a key sees of the log. A key for all units sees every event. A key limited to some units
 * sees the events of the dossiers received by one of its units (or a unit below them), every one
 * of them, wherever the dossier went afterwards; nothing else: no other dossier, no reference
 * data, no seals. The receiving unit is the unit a dossier is counted for in reports, and it never
 * changes, so what a key sees of the log is fixed once appended: a consumer that resumes sees
 * exactly what one reading from the start would (units that held a dossier for a while would add
 * its earlier events after the consumer had passed them).
 */
import type { Principal } from '../access/principal.js';
import type { UnitScope } from '../access/unit-scope.js';
import { DOSSIER_STREAM_PREFIX } from '../dossier/events.js';
import type { EventStore, RecordedEvent } from '../event-store/event-store.port.js';

/** Dossiers whose visibility one feed remembers (then it forgets them all and looks up again). */
const REMEMBERED = 100_000;

export class FeedVisibility {
  private readonly shown = new Map<string, boolean>();

  constructor(
    private readonly store: EventStore,
    private readonly scope: UnitScope,
    private readonly principal: Principal,
  ) {}

  /** The events the key sees, in their order. */
  async filter(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    if (this.principal.units === undefined) return events;
    const kept: RecordedEvent[] = [];
    for (const e of events) {
      if (!e.streamId.startsWith(DOSSIER_STREAM_PREFIX)) continue;
      if (this.shown.get(e.streamId) ?? (await this.lookUp(e))) kept.push(e);
    }
    return kept;
  }

  /** Whether the key reaches the unit that received the dossier (its stream's first event). */
  private async lookUp(e: RecordedEvent): Promise<boolean> {
    const first = e.revision === 0 ? e : (await this.store.readStream(e.streamId, { fromRevision: 0, maxCount: 1 }))[0];
    const unitId = first?.type === 'DossierReceived' ? first.data.unitId : undefined;
    const shown = typeof unitId === 'string' && this.scope.covers(this.principal, unitId);
    if (this.shown.size >= REMEMBERED) this.shown.clear();
    this.shown.set(e.streamId, shown);
    return shown;
  }
}
