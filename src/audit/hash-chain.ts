/**
 * The tamper-evident chains (issue 26), as pure functions shared by both event-store adapters, the
 * verifier and the auditor's command line, so that a hash means the same wherever it is computed.
 *
 * - Stream chain: each event's `metadata.hash` covers its stream, revision, id, type, data and
 *   the rest of its metadata, and the hash of the event before it in its stream.
 * - Global chain: a `LogSealed` event on SEAL_STREAM hashes the event hashes of a range of
 *   positions, each with its position, and the previous seal's hash; so an event removed,
 *   reordered or altered anywhere breaks the seal that covers it, and a seal removed the next.
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

/**
 * A seal's hash: the previous seal's (GENESIS for the first) and the range's events, each as its
 * position and hash, in position order. One hash per range rather than one per event.
 */
export function sealHash(previous: string, positions: readonly number[], hashes: readonly string[], from = 0, to = positions.length): string {
  const h = createHash('sha256').update(`${previous}\n`);
  let text = '';
  for (let i = from; i < to; i++) {
    text += `${positions[i]} ${hashes[i]}\n`;
    if (text.length > 65_536) {
      h.update(text);
      text = '';
    }
  }
  return h.update(text).digest('hex');
}

/** Metadata as stored: the caller's, with the hash last. */
export function withHash(metadata: Record<string, unknown> | undefined, hash: string): Record<string, unknown> {
  return { ...(metadata ?? {}), [HASH_KEY]: hash };
}

/** An event's stored metadata split into its hash (undefined: written before the chain) and the JSON text it was hashed with. */
export function splitHash(metadata: Record<string, unknown>): { hash: string | undefined; metadataJson: string } {
  const hash = metadata[HASH_KEY];
  if (typeof hash !== 'string') return { hash: undefined, metadataJson: JSON.stringify(metadata) };
  // fromEntries defines each key as its own property: a `__proto__` key stays a key.
  const rest = Object.fromEntries(Object.entries(metadata).filter(([key]) => key !== HASH_KEY));
  return { hash, metadataJson: JSON.stringify(rest) };
}

const HEX64 = /^[0-9a-f]{64}$/;
/** `"hash":"` + 64 hex digits + `"}`: how the adapters end stored metadata (chained-rows.ts). */
const STORED_TAIL = 74;

/**
 * splitHash of metadata as stored JSON text, without parsing it when the hash is where the
 * adapters put it (last): what a verification reading the file's text does for each event.
 */
export function splitStoredHash(text: string): { hash: string | undefined; metadataJson: string } {
  const at = text.length - STORED_TAIL;
  const before = text[at - 1];
  if (at >= 1 && (before === ',' || (before === '{' && at === 1)) && text.startsWith(`"${HASH_KEY}":"`, at) && text.endsWith('"}')) {
    const hash = text.slice(at + 8, at + 72);
    if (HEX64.test(hash)) return { hash, metadataJson: before === '{' ? '{}' : `${text.slice(0, at - 1)}}` };
  }
  return splitHash(JSON.parse(text) as Record<string, unknown>);
}

/** The data of a seal event. */
export interface LogSealed {
  fromPosition: number;
  toPosition: number;
  /** sealHash of the previous seal's hash and the events from `fromPosition` to `toPosition`. */
  hash: string;
}

export function isLogSealed(data: unknown): data is LogSealed {
  const d = data as Partial<LogSealed> | null;
  return (
    typeof d === 'object' && d !== null && Number.isSafeInteger(d.fromPosition) && Number.isSafeInteger(d.toPosition) && typeof d.hash === 'string'
  );
}
