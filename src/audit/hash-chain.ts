/**
 * The tamper-evident chains (issue 26), as pure functions shared by both event-store adapters, the
 * verifier and the auditor's command line, so that a hash means the same wherever it is computed.
 *
 * - Stream chain: each event's `metadata.hash` covers its stream, revision, id, type, data and
 *   the rest of its metadata, and the hash of the event before it in its stream.
 * - Global chain: the event hashes in position order, each with its position; a `LogSealed`
 *   event on SEAL_STREAM states the chain's value at a position, so that an event removed,
 *   reordered or altered anywhere breaks the seal that covers it.
 */
import { createHash } from 'node:crypto';

/** The key of the event's own hash in its metadata. */
export const HASH_KEY = 'hash';

/** Where the seals are appended: no `$` prefix, which EventStoreDB reserves for its system streams. */
export const SEAL_STREAM = 'audit-seals';
export const SEAL_EVENT = 'LogSealed';

/** What an event's hash covers, its data and metadata as JSON text (metadata without its hash). */
export interface HashedContent {
  streamId: string;
  revision: number;
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string;
}

/** The previous hash of the first event of a stream, and of the global chain before its start. */
export const GENESIS = '';

/**
 * SHA-256 (hex) of an event chained to `previous`. JSON text has no raw line breaks, so the
 * line breaks between the parts cannot be forged by a field's content.
 */
export function eventHash(previous: string, e: HashedContent): string {
  return createHash('sha256')
    .update(`${previous}\n${JSON.stringify([e.streamId, e.revision, e.id, e.type])}\n${e.dataJson}\n${e.metadataJson}`)
    .digest('hex');
}

/** The global chain's value after the event at `position` whose hash is `hash`. */
export function globalLink(previous: string, position: number, hash: string): string {
  return createHash('sha256').update(`${previous}\n${position}\n${hash}`).digest('hex');
}

/** Metadata as stored: the caller's, with the hash last. */
export function withHash(metadata: Record<string, unknown> | undefined, hash: string): Record<string, unknown> {
  return { ...(metadata ?? {}), [HASH_KEY]: hash };
}

/** An event's stored metadata split into its hash (undefined: written before the chain) and the JSON text it was hashed with. */
export function splitHash(metadata: Record<string, unknown>): { hash: string | undefined; metadataJson: string } {
  const hash = metadata[HASH_KEY];
  if (typeof hash !== 'string') return { hash: undefined, metadataJson: JSON.stringify(metadata) };
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(metadata)) if (key !== HASH_KEY) rest[key] = metadata[key];
  return { hash, metadataJson: JSON.stringify(rest) };
}

/** The data of a seal event. */
export interface LogSealed {
  fromPosition: number;
  toPosition: number;
  /** The global chain's value at `toPosition`. */
  hash: string;
}

export function isLogSealed(data: unknown): data is LogSealed {
  const d = data as Partial<LogSealed> | null;
  return (
    typeof d === 'object' && d !== null && Number.isSafeInteger(d.fromPosition) && Number.isSafeInteger(d.toPosition) && typeof d.hash === 'string'
  );
}
