import Database from 'better-sqlite3';
import { fsync } from 'node:fs';
import { mulberry32 } from '../../src/common/random.js';
import type { EventToAppend, JsonObject } from '../../src/event-store/event-store.port.js';

/** A seeded generator, so that ids are reproducible from one run to the next. */
export const seededRandom = mulberry32;

/** A version-4-shaped UUID drawn from `random` (EventStoreDB requires event ids to be UUIDs). */
export function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/**
 * Stream names and event ids for one test file. Stream names carry the start time, so that runs
 * against a shared EventStoreDB server never meet; a name is `<run>.<n>.<label>`, and `<run>.<n>.`
 * is a prefix no other name of the run starts with.
 */
export class Fixtures {
  private counter = 0;
  private readonly random: () => number;
  readonly run: string;

  constructor(label: string, seed = 20240601, now = Date.now()) {
    this.run = `contract-${label}-${now.toString(36)}`;
    this.random = seededRandom(seed);
  }

  /** A prefix owned by the caller: every stream made with it starts with it. */
  prefix(): string {
    this.counter += 1;
    return `${this.run}.${this.counter}.`;
  }

  stream(label = 's'): string {
    return `${this.prefix()}${label}`;
  }

  id(): string {
    return uuidFrom(this.random);
  }

  event(type = 'Tested', data: JsonObject = {}, metadata?: JsonObject): EventToAppend {
    return metadata === undefined ? { id: this.id(), type, data } : { id: this.id(), type, data, metadata };
  }

  events(n: number, type = 'Tested'): EventToAppend[] {
    return Array.from({ length: n }, (_, i) => this.event(type, { i }));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** The events another connection reads from the file, or 'refused' when the file is held. */
export function readByAnother(file: string): number | 'refused' {
  let other: Database.Database | undefined;
  try {
    other = new Database(file, { readonly: true, fileMustExist: true, timeout: 0 });
    return (other.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return 'refused';
    throw error;
  } finally {
    other?.close();
  }
}

/** A flush of the log that waits for the test: `release()` runs the oldest one (really), `fail()` fails it. */
export function heldFlushes() {
  const held: { fd: number; done: (error: Error | null) => void }[] = [];
  return {
    held,
    syncFile: (fd: number, done: (error: Error | null) => void) => held.push({ fd, done }),
    release: () => {
      const h = held.shift()!;
      fsync(h.fd, h.done);
    },
    fail: () => held.shift()!.done(new Error('EIO: i/o error, fsync')),
  };
}
