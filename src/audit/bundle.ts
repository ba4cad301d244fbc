/**
 * An audit bundle (NDJSON): the events of the dossiers a unit received in a period, with their
 * hashes, checkable offline. Between the seal before its first event and the seal after its
 * last, it carries every position of the log: the full event for its dossiers' events and the
 * seals, the hash alone for the others; so the global chain can be recomputed over the range and
 * each seal in it checked, and no exported event can be changed, dropped or moved unnoticed.
 */
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { EventStore, RecordedEvent } from '../event-store/event-store.port.js';
import { DOSSIER_STREAM_PREFIX } from '../dossier/events.js';
import { ChainVerifier, type VerificationResult } from './chain-verifier.js';
import { GENESIS, HASH_KEY, isLogSealed, SEAL_STREAM } from './hash-chain.js';
import { toVerifiable } from './verify-log.js';

export const BUNDLE_FORMAT = 'dossier-audit-bundle/1';
const PAGE = 1000;

export interface BundleHeader {
  kind: 'bundle';
  format: typeof BUNDLE_FORMAT;
  unitId: string;
  /** The period (ISO instants): dossiers the unit received in [from, to). */
  from: string;
  to: string;
  dossiers: number;
  /** Positions are consecutive in the store the bundle came from. */
  gapless: boolean;
  /** Where the range starts: after the seal that ends at `afterPosition`, whose hash it continues (none: the log's start). */
  start: { afterPosition: number; hash: string; chainStartsAt?: number };
  /** Streams of the range whose earlier events are not in it (the seals' stream): their last event before it. */
  seeds: { streamId: string; revision: number; hash: string | undefined }[];
  /** The last position in the bundle. */
  toPosition: number;
}

export type BundleLine =
  | BundleHeader
  | { kind: 'event'; event: Omit<RecordedEvent, 'created'> & { created: string } }
  | { kind: 'links'; links: [position: number, hash: string][] };

export interface ExportOptions {
  unitId: string;
  from: number;
  to: number;
  gapless: boolean;
  onProgress?(phase: 'find' | 'export', position: number, head: number): void;
}

/** The bundle's lines, in order. Reads the log twice: to find the dossiers, then to export the range. */
export async function* exportBundle(store: EventStore, o: ExportOptions): AsyncGenerator<BundleLine> {
  const head = (await store.headPosition()) ?? 0;
  const streams = new Set<string>();
  let first = Number.MAX_SAFE_INTEGER;
  let last = 0;
  for await (const page of store.readAllDataPages({ pageSize: 10_000, readAhead: false })) {
    for (const e of page) {
      if (e.type === 'DossierReceived' && e.streamId.startsWith(DOSSIER_STREAM_PREFIX) && e.data.unitId === o.unitId) {
        const receivedAt = Date.parse(String(e.data.receivedAt));
        if (receivedAt >= o.from && receivedAt < o.to) {
          streams.add(e.streamId);
          first = Math.min(first, e.position);
        }
      }
      if (streams.has(e.streamId)) last = e.position;
    }
    o.onProgress?.('find', page[page.length - 1].position, head);
    await yieldToRequests();
  }
  const seals = (await store.readStream(SEAL_STREAM)).filter((e) => isLogSealed(e.data));
  const sealData = (e: RecordedEvent) => e.data as unknown as { fromPosition: number; toPosition: number; hash: string };
  const before = seals.filter((e) => sealData(e).toPosition < first).at(-1);
  const after = seals.find((e) => sealData(e).toPosition >= last);
  const start = before ? { afterPosition: sealData(before).toPosition, hash: sealData(before).hash, chainStartsAt: sealData(seals[0]).fromPosition } : { afterPosition: 0, hash: GENESIS };
  const toPosition = streams.size === 0 ? start.afterPosition : (after?.position ?? head);
  const firstSealInRange = seals.find((e) => e.position > start.afterPosition);
  const seeds = [];
  if (firstSealInRange && firstSealInRange.revision > 0) {
    const previous = seals.find((e) => e.revision === firstSealInRange.revision - 1);
    seeds.push({ streamId: SEAL_STREAM, revision: firstSealInRange.revision - 1, hash: hashOf(previous) });
  }
  yield {
    kind: 'bundle',
    format: BUNDLE_FORMAT,
    unitId: o.unitId,
    from: new Date(o.from).toISOString(),
    to: new Date(o.to).toISOString(),
    dossiers: streams.size,
    gapless: o.gapless,
    start,
    seeds,
    toPosition,
  };
  let links: [number, string][] = [];
  for (let position = start.afterPosition; position < toPosition; ) {
    const page = await store.readAll({ afterPosition: position, maxCount: PAGE });
    if (page.length === 0) break;
    for (const e of page) {
      if (e.position > toPosition) break;
      position = e.position;
      if (streams.has(e.streamId) || e.streamId === SEAL_STREAM) {
        if (links.length > 0) yield { kind: 'links', links };
        links = [];
        yield { kind: 'event', event: e };
      } else {
        links.push([e.position, hashOf(e) ?? GENESIS]);
      }
    }
    if (links.length >= PAGE) {
      yield { kind: 'links', links };
      links = [];
    }
    o.onProgress?.('export', position, toPosition);
    await yieldToRequests();
  }
  if (links.length > 0) yield { kind: 'links', links };
}

export interface BundleVerification extends VerificationResult {
  unitId?: string;
  dossiers?: number;
  /** Events in the bundle with their content (the unit's dossiers' events and the seals). */
  exported: number;
}

/** Checks a bundle's lines (JSON text, in order) offline. */
export async function verifyBundle(lines: AsyncIterable<string>, onProgress?: (position: number, to: number) => void): Promise<BundleVerification> {
  let header: BundleHeader | undefined;
  let verifier: ChainVerifier | undefined;
  let exported = 0;
  let lineNo = 0;
  const refuse = (problem: string): BundleVerification => ({ verified: false, events: 0, problem, unchained: 0, seals: 0, head: null, exported });
  for await (const text of lines) {
    lineNo++;
    if (text.trim() === '') continue;
    let line: BundleLine;
    try {
      line = JSON.parse(text) as BundleLine;
    } catch {
      return refuse(`line ${lineNo} is not JSON`);
    }
    if (header === undefined) {
      if (line.kind !== 'bundle' || line.format !== BUNDLE_FORMAT) return refuse(`line 1 is not the header of a ${BUNDLE_FORMAT} bundle`);
      header = line;
      const s = header.start;
      verifier = new ChainVerifier({ gapless: header.gapless, start: s.afterPosition > 0 ? { afterSeal: { toPosition: s.afterPosition, hash: s.hash, chainStartsAt: s.chainStartsAt ?? 1 } } : undefined });
      for (const seed of header.seeds) verifier.seed(seed.streamId, seed.revision, seed.hash);
      continue;
    }
    if (line.kind === 'event') {
      exported++;
      if (!verifier!.add([toVerifiable(line.event)])) break;
      onProgress?.(line.event.position, header.toPosition);
    } else if (line.kind === 'links') {
      if (!line.links.every(([position, hash]) => verifier!.link(position, hash))) break;
    } else {
      return refuse(`line ${lineNo} is neither an event nor links`);
    }
  }
  if (header === undefined || verifier === undefined) return refuse('the bundle is empty');
  const result = verifier.result();
  if (result.verified && (result.head?.position ?? header.start.afterPosition) !== header.toPosition) {
    return { ...result, verified: false, problem: `the bundle ends at ${result.head?.position ?? 'its start'}, its header says ${header.toPosition}: lines were removed`, unitId: header.unitId, dossiers: header.dossiers, exported };
  }
  return { ...result, unitId: header.unitId, dossiers: header.dossiers, exported };
}

function hashOf(e: RecordedEvent | undefined): string | undefined {
  const hash = e?.metadata[HASH_KEY];
  return typeof hash === 'string' ? hash : undefined;
}
