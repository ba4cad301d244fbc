/**
 * Abuse limits, in memory (each instance counts its own requests):
 * - per key, a token bucket holding `perMinute` requests and refilled at `perMinute` a minute;
 * - per client address, failed authentications: past `failuresPerMinute` in a minute, the address
 *   gets 429 for every request without a valid key until the minute is over. A valid key is never
 *   refused for its address (Authenticator checks the key first): behind a NAT or a proxy, one
 *   client holding a revoked key must not lock out the others. What this bounds is the work and
 *   the log noise of failed attempts; the odds of a guess are kept negligible by the keys' length.
 * `perMinute` 0 turns both off.
 */
import { AppError } from '../common/errors.js';

/** Failed authentications an address may make in a minute before it is made to wait. */
export const AUTH_FAILURES_PER_MINUTE = 30;
const MINUTE = 60_000;
/** Addresses tracked before expired windows are swept (keeps memory bounded under a spray of addresses). */
const SWEEP_AT = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

interface FailureWindow {
  count: number;
  start: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly failures = new Map<string, FailureWindow>();

  constructor(
    private readonly perMinute: number,
    private readonly failuresPerMinute = AUTH_FAILURES_PER_MINUTE,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  /** Takes one request from the key's bucket, or throws 429 with the seconds until the next one. */
  take(keyId: string): void {
    if (!this.enabled) return;
    const now = this.now();
    const rate = this.perMinute / MINUTE;
    const bucket = this.buckets.get(keyId) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.buckets.set(keyId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000));
    throw limited(seconds, `this key may make ${this.perMinute} requests a minute`);
  }

  /** Throws 429 when the address has failed to authenticate too often this minute (asked for requests without a valid key only). */
  assertAddressAllowed(address: string): void {
    if (!this.enabled) return;
    const window = this.failures.get(address);
    if (!window) return;
    const now = this.now();
    if (now - window.start >= MINUTE) {
      this.failures.delete(address);
      return;
    }
    if (window.count >= this.failuresPerMinute) {
      throw limited(Math.max(1, Math.ceil((window.start + MINUTE - now) / 1000)), 'too many requests without a valid API key from this address');
    }
  }

  recordFailure(address: string): void {
    if (!this.enabled) return;
    const now = this.now();
    const window = this.failures.get(address);
    if (window && now - window.start < MINUTE) {
      window.count += 1;
      return;
    }
    if (this.failures.size >= SWEEP_AT) this.sweep(now);
    this.failures.set(address, { count: 1, start: now });
  }

  private sweep(now: number): void {
    for (const [address, window] of this.failures) {
      if (now - window.start >= MINUTE) this.failures.delete(address);
    }
  }
}

function limited(seconds: number, detail: string): AppError {
  return new AppError('RATE_LIMITED', `${detail}; retry in ${seconds} s`, undefined, { 'Retry-After': String(seconds) });
}
