import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { EventStore, RecordedEvent } from '../event-store/event-store.port.js';
import { ChainVerifier, type VerifiableEvent, type VerificationResult, type VerificationStart } from './chain-verifier.js';
import { HASH_KEY, isLogSealed, SEAL_STREAM, splitHash } from './hash-chain.js';

export interface VerifyLogOptions {
  /** First position to verify; rounded down to the start of the sealed range that holds it. */
  from?: number;
  /** Last position to verify (default: the head when the verification starts). */
  to?: number;
  /** Positions are consecutive in this store (the embedded one): a gap is a removed event. */
  gapless: boolean;
  pageSize?: number;
  /** Called after each page: the last position checked and the last to check. */
  onProgress?(position: number, to: number): void;
}

export const toVerifiable = (e: RecordedEvent): VerifiableEvent => ({
  position: e.position,
  streamId: e.streamId,
  revision: e.revision,
  id: e.id,
  type: e.type,
  dataJson: JSON.stringify(e.data),
  ...splitHash(e.metadata),
});

/**
 * Verifies the log through the event-store port, a page at a time, giving the event loop back
 * between pages so that requests go on being answered meanwhile.
 */
export async function verifyLog(store: EventStore, o: VerifyLogOptions): Promise<VerificationResult> {
  const head = (await store.headPosition()) ?? 0;
  const to = Math.min(o.to ?? head, head);
  const pageSize = o.pageSize ?? 1000;
  const start = o.from !== undefined && o.from > 1 ? await sealBefore(store, o.from) : undefined;
  const verifier = new ChainVerifier({ gapless: o.gapless, start });
  let after = start?.afterSeal.toPosition ?? 0;
  while (after < to) {
    const page = await store.readAll({ afterPosition: after, maxCount: pageSize });
    const events = page.filter((e) => e.position <= to).map(toVerifiable);
    if (events.length === 0) break;
    for (const u of verifier.unknownStreams(events)) {
      const [previous] = await store.readStream(u.streamId, { fromRevision: u.revision, maxCount: 1 });
      const hash = previous?.revision === u.revision ? previous.metadata[HASH_KEY] : undefined;
      verifier.seed(u.streamId, u.revision, typeof hash === 'string' ? hash : undefined);
    }
    if (!verifier.add(events)) break;
    after = events[events.length - 1].position;
    o.onProgress?.(after, to);
    if (events.length < page.length) break;
    await yieldToRequests();
  }
  return verifier.result();
}

/** The last seal that ends before `from`, where a verification of a range starts from. */
async function sealBefore(store: EventStore, from: number): Promise<VerificationStart | undefined> {
  return startFrom((await store.readStream(SEAL_STREAM)).map((e) => e.data), from);
}

/** Of the seals' data in order, the last that ends before `from`, as where a verification starts. */
export function startFrom(data: unknown[], from: number): VerificationStart | undefined {
  const seals = data.filter(isLogSealed);
  const before = seals.filter((s) => s.toPosition < from).at(-1);
  if (before === undefined) return undefined;
  return { afterSeal: { toPosition: before.toPosition, hash: before.hash, chainStartsAt: seals[0].fromPosition } };
}
