import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, RecordedEvent } from '../../../src/event-store/event-store.port.js';
import { SqliteEventStore } from '../../../src/event-store/sqlite/sqlite-event-store.js';

export function tempDir(prefix = 'projections-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const openStore = (dir: string) => SqliteEventStore.open({ file: join(dir, 'events.db'), synchronous: 'normal' });

/**
 * Appends recorded events (e.g. a synthetic log) in their order, with their ids and metadata;
 * every `noiseEvery` events a catalog event is appended too, a position the projections skip.
 */
export async function appendAll(store: EventStore, events: RecordedEvent[], noiseEvery = 0): Promise<void> {
  const appends: Promise<unknown>[] = [];
  events.forEach((e, i) => {
    appends.push(store.append(e.streamId, [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }], 'any'));
    if (noiseEvery > 0 && i % noiseEvery === 0) {
      appends.push(
        store.append(`unit-noise${i}`, [{ id: `noise-${i}`, type: 'UnitDefined', data: { unitId: `noise${i}`, name: 'n', level: 'office' } }], 'any'),
      );
    }
  });
  await Promise.all(appends);
}
