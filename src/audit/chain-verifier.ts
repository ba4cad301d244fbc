/**
 * Recomputes the chains of hash-chain.ts over events fed in position order, and stops at the
 * first thing wrong. No I/O: the HTTP verification, the command line on a data directory and the
 * check of an exported bundle all feed it.
 */
import { eventHash, GENESIS, isLogSealed, sealHash, SEAL_EVENT, SEAL_STREAM } from './hash-chain.js';

/** An event as verified: its data and metadata as JSON text, the metadata without its hash (splitHash). */
export interface VerifiableEvent {
  position: number;
  streamId: string;
  revision: number;
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string;
  /** The hash stored with the event; undefined when it has none. */
  hash: string | undefined;
}

export interface VerificationResult {
  verified: boolean;
  /** Events checked (up to the first bad one). */
  events: number;
  firstBadPosition?: number;
  problem?: string;
  /** The first event that carries a hash: events before it were written before the chain existed. */
  chainStartsAt?: number;
  /** Events checked that were written before the chain started (no hash, nothing to check). */
  unchained: number;
  /** Seals checked, and the last position a checked seal covers (events after it are chained, not yet sealed). */
  seals: number;
  sealedTo?: number;
  /** The last event checked, and the hash a seal up to it would carry (the last seal's when it ends there). */
  head: { position: number; hash: string } | null;
}

/** Where a verification resumes: after a seal already trusted (a range starting mid-log). */
export interface VerificationStart {
  afterSeal: { toPosition: number; hash: string; chainStartsAt: number };
}

export class ChainVerifier {
  private readonly streams = new Map<string, { revision: number; hash: string | undefined }>();
  /** The last seal's hash, and the events after it (positions and hashes) that the next seal covers. */
  private sealed = GENESIS;
  private positions: number[] = [];
  private hashes: string[] = [];
  private last: number | undefined;
  private chainStartsAt: number | undefined;
  private sealedTo: number | undefined;
  private count = 0;
  private unchained = 0;
  private seals = 0;
  private bad: { position: number; problem: string } | undefined;

  /**
   * `gapless`: positions are consecutive (the embedded store), so a missing one is a removed event.
   * `start`: a range verified from a seal (its previous events are not read).
   */
  constructor(
    private readonly options: { gapless: boolean; start?: VerificationStart },
  ) {
    const s = options.start?.afterSeal;
    if (s) {
      this.sealed = s.hash;
      this.last = s.toPosition;
      this.sealedTo = s.toPosition;
      this.chainStartsAt = s.chainStartsAt;
    }
  }

  /** Streams met in a range for the first time past their revision 0, whose previous hash must be given (seed). */
  unknownStreams(events: readonly VerifiableEvent[]): { streamId: string; revision: number }[] {
    if (this.options.start === undefined) return [];
    const out = new Map<string, number>();
    for (const e of events) if (e.revision > 0 && !this.streams.has(e.streamId) && !out.has(e.streamId)) out.set(e.streamId, e.revision - 1);
    return [...out].map(([streamId, revision]) => ({ streamId, revision }));
  }

  /** The event before the range in a stream: what its next event chains to. */
  seed(streamId: string, revision: number, hash: string | undefined): void {
    this.streams.set(streamId, { revision, hash });
  }

  /** Checks the next events; false once something is wrong (later events are then ignored). */
  add(events: VerifiableEvent[]): boolean {
    for (const e of events) {
      if (this.bad) return false;
      this.check(e);
    }
    return !this.bad;
  }

  /**
   * An event known by its hash alone (an exported bundle carries the whole log's hashes between
   * its seals, the content of its own dossiers' events only): it counts in the global chain.
   */
  link(position: number, hash: string): boolean {
    if (this.bad) return false;
    const expected = this.nextPosition();
    if (expected !== undefined && position !== expected) {
      this.fail(expected, `position ${expected} is missing: an event was removed`);
      return false;
    }
    if (this.last !== undefined && position <= this.last) {
      this.fail(position, `position ${position} comes after ${this.last}: the log is out of order`);
      return false;
    }
    this.chainStartsAt ??= position;
    this.advance(position, hash);
    return true;
  }

  private advance(position: number, hash: string): void {
    this.positions.push(position);
    this.hashes.push(hash);
    this.count++;
    this.last = position;
  }

  /** The position the next event must have when positions are consecutive (the log's start at 1). */
  private nextPosition(): number | undefined {
    return this.options.gapless ? (this.last ?? 0) + 1 : undefined;
  }

  private fail(position: number, problem: string): void {
    this.bad = { position, problem };
  }

  private check(e: VerifiableEvent): void {
    const next = this.nextPosition();
    if (next !== undefined && e.position !== next) return this.fail(next, `position ${next} is missing: an event was removed`);
    if (this.last !== undefined && e.position <= this.last) return this.fail(e.position, `position ${e.position} comes after ${this.last}: the log is out of order`);
    const { hash, metadataJson } = e;
    const before = this.streams.get(e.streamId);
    if (before !== undefined && e.revision !== before.revision + 1) {
      return this.fail(
        e.position,
        e.revision <= before.revision
          ? `${e.streamId} revision ${e.revision} comes after revision ${before.revision}: the stream is out of order`
          : `${e.streamId} revision ${e.revision} follows revision ${before.revision}: an event of the stream was removed`,
      );
    }
    if (before === undefined && e.revision !== 0) {
      return this.fail(e.position, `${e.streamId} starts at revision ${e.revision}: its earlier events were removed`);
    }
    if (hash === undefined) {
      if (this.chainStartsAt !== undefined) return this.fail(e.position, `no hash, though the chain started at position ${this.chainStartsAt}: the event was altered or inserted`);
      this.unchained++;
      this.count++;
      this.last = e.position;
      this.streams.set(e.streamId, { revision: e.revision, hash: undefined });
      return;
    }
    this.chainStartsAt ??= e.position;
    const expected = eventHash(before?.hash ?? GENESIS, { streamId: e.streamId, revision: e.revision, id: e.id, type: e.type, dataJson: e.dataJson, metadataJson });
    if (expected !== hash) return this.fail(e.position, `the hash does not match the event's content or its stream's previous event: the event was altered`);
    this.streams.set(e.streamId, { revision: e.revision, hash });
    this.advance(e.position, hash);
    if (e.streamId === SEAL_STREAM && e.type === SEAL_EVENT) this.checkSeal(e);
  }

  private checkSeal(e: VerifiableEvent): void {
    const seal: unknown = JSON.parse(e.dataJson);
    if (!isLogSealed(seal)) return this.fail(e.position, 'a LogSealed event without fromPosition, toPosition and hash');
    const s = this.options.start?.afterSeal;
    // The seal a range starts from, met again after what it covers.
    if (s !== undefined && this.seals === 0 && seal.toPosition === s.toPosition && seal.hash === s.hash) return;
    const from = this.sealedTo === undefined ? this.chainStartsAt! : this.sealedTo + 1;
    if (seal.fromPosition !== from) {
      return this.fail(Math.min(from, seal.fromPosition), `the seal at ${e.position} starts at ${seal.fromPosition}, the sealed log at ${from}: a seal was removed or the log before it changed`);
    }
    // The seal follows what it covers closely: look for its end from the last event back.
    let end = this.positions.length - 1;
    while (end >= 0 && this.positions[end] > seal.toPosition) end--;
    if (end < 0 || this.positions[end] !== seal.toPosition || this.positions[0] !== seal.fromPosition) {
      return this.fail(seal.fromPosition, `the seal at ${e.position} covers ${seal.fromPosition}-${seal.toPosition}, which are not the positions before it`);
    }
    if (sealHash(this.sealed, this.positions, this.hashes, 0, end + 1) !== seal.hash) {
      return this.fail(seal.fromPosition, `positions ${seal.fromPosition}-${seal.toPosition} do not match their seal at ${e.position}: an event in that range was removed, reordered or altered`);
    }
    this.seals++;
    this.sealedTo = seal.toPosition;
    this.sealed = seal.hash;
    this.positions = this.positions.slice(end + 1);
    this.hashes = this.hashes.slice(end + 1);
  }

  result(): VerificationResult {
    return {
      verified: this.bad === undefined,
      events: this.count,
      ...(this.bad ? { firstBadPosition: this.bad.position, problem: this.bad.problem } : {}),
      ...(this.chainStartsAt !== undefined ? { chainStartsAt: this.chainStartsAt } : {}),
      unchained: this.unchained,
      seals: this.seals,
      ...(this.sealedTo !== undefined ? { sealedTo: this.sealedTo } : {}),
      head: this.last === undefined ? null : { position: this.last, hash: this.positions.length === 0 ? this.sealed : sealHash(this.sealed, this.positions, this.hashes) },
    };
  }
}
