import { eventHash, GENESIS, HASH_KEY } from '../audit/hash-chain.js';
import type { EventToAppend, JsonObject } from './event-store.port.js';

/** An event as an adapter writes it: data and metadata serialised, the metadata carrying the event's hash. */
export interface ChainedRow {
  id: string;
  type: string;
  data: string;
  metadata: string;
  hash: string;
}

/**
 * The rows of an append after revision `current` (-1: a new stream), each hashed and chained to
 * the one before it, the first to `previousHash` (the stream's last event's, when it has one).
 * Every adapter appends through here, so that a log's hashes do not depend on its store.
 */
export function chainRows(streamId: string, current: number, previousHash: string | undefined, events: EventToAppend[]): ChainedRow[] {
  let previous = previousHash ?? GENESIS;
  return events.map((e, i) => {
    const data = JSON.stringify(e.data);
    const metadataJson = JSON.stringify(withoutHash(e.metadata));
    const hash = eventHash(previous, { streamId, revision: current + 1 + i, id: e.id, type: e.type, dataJson: data, metadataJson });
    previous = hash;
    // The hash goes last, so that the text before it is the very text hashed.
    const metadata = metadataJson === '{}' ? `{"${HASH_KEY}":"${hash}"}` : `${metadataJson.slice(0, -1)},"${HASH_KEY}":"${hash}"}`;
    return { id: e.id, type: e.type, data, metadata, hash };
  });
}

/** The caller's metadata; a `hash` of its own would be taken for the store's, so it is not kept. */
function withoutHash(metadata: JsonObject | undefined): JsonObject {
  if (metadata === undefined) return {};
  if (!(HASH_KEY in metadata)) return metadata;
  const { [HASH_KEY]: _dropped, ...rest } = metadata;
  return rest;
}
