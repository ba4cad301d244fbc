import type { LoggedEvent, ReadAllPagesOptions } from './event-store.port.js';

/**
 * readAllDataPages from readAllData: pages read one after the other, up to the head as it was at
 * the first read (`upTo`). What an adapter does without a read-ahead of its own, and what the
 * SQLite store falls back to.
 */
export async function* pagesFrom(
  readAllData: (options: { afterPosition: number; maxCount: number }) => Promise<LoggedEvent[]>,
  upTo: number,
  { afterPosition = 0, pageSize }: ReadAllPagesOptions,
): AsyncGenerator<LoggedEvent[]> {
  let after = afterPosition;
  while (after < upTo) {
    const page = await readAllData({ afterPosition: after, maxCount: pageSize });
    const end = page.findIndex((e) => e.position > upTo);
    const kept = end < 0 ? page : page.slice(0, end);
    if (kept.length === 0) return;
    yield kept;
    if (end >= 0 || page.length < pageSize) return;
    after = kept[kept.length - 1].position;
  }
}
