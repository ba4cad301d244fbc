/**
 * A full disk, for real: SQLite's `max_page_count` makes a file refuse new pages with
 * SQLITE_FULL, as a full disk does, on the service's own connections (no root, no loop device).
 */
import type Database from 'better-sqlite3';

/** The SQLite connection an object keeps to itself (the store's, the read models'). */
export const connectionOf = (owner: object) => (owner as unknown as { db: Database.Database }).db;

/** No page beyond those the file has: the next write that needs one fails with SQLITE_FULL. */
export const fillDisk = (db: Database.Database) => db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
export const freeDisk = (db: Database.Database) => db.pragma('max_page_count = 1073741823');

/** Asks `probe` every 100 ms until `done` holds or the time is up; answers its last value either way. */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A reception in the demo province an hour ago: not yet due, so the overdue watcher appends nothing meanwhile. */
export const receiveAnHourAgo = (dossierId: string) => ({
  dossierId,
  procedureCode: 'HT-XNTTHN',
  unitId: 'HUYEN-AN.XA1',
  channel: 'online',
  receivedAt: new Date(Date.now() - 3_600_000).toISOString(),
});
