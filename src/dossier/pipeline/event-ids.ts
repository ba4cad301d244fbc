import { hash, randomUUID } from 'node:crypto';

/**
 * Every dossier event id. Seeded (an actor's Idempotency-Key, an import line): the same command yields the same ids, which the
 * store keeps once and the pipeline finds in the stream. Unseeded (the service's own events, commands without a key): random.
 */
export function eventId(dossierId: string, index: number, seed?: string): string {
  return seed ? uuidFrom(`${seed}\u0000${dossierId}\u0000${index}`) : randomUUID();
}

/** A UUID (version 8 layout) derived from a string. */
function uuidFrom(seed: string): string {
  const h = hash('sha256', seed, 'hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
