import { describe, expect, it } from '@jest/globals';
import { AppError } from '../../src/common/errors.js';
import { RateLimiter } from '../../src/access/rate-limiter.js';

function refusal(action: () => void): AppError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected 429');
}

describe('the per-key rate limit', () => {
  it('lets a key make its allowance in a burst, then answers 429 with the seconds until the next request', () => {
    let now = 0;
    const limiter = new RateLimiter(60, 30, () => now);
    for (let i = 0; i < 60; i++) limiter.take('k1');
    const error = refusal(() => limiter.take('k1'));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.headers).toEqual({ 'Retry-After': '1' });
    // Another key has its own allowance.
    limiter.take('k2');
    // 60 a minute: one more a second.
    now += 1000;
    limiter.take('k1');
    expect(() => limiter.take('k1')).toThrow(AppError);
  });

  it('says how long to wait when the allowance is small', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 30, () => now);
    limiter.take('k');
    limiter.take('k');
    expect(refusal(() => limiter.take('k')).headers).toEqual({ 'Retry-After': '30' });
    now += 29_000;
    expect(refusal(() => limiter.take('k')).headers).toEqual({ 'Retry-After': '1' });
    now += 1_000;
    limiter.take('k');
  });

  it('is off at 0 a minute, failed attempts included', () => {
    const limiter = new RateLimiter(0, 1, () => 0);
    for (let i = 0; i < 10_000; i++) limiter.take('k');
    for (let i = 0; i < 10; i++) limiter.recordFailure('10.0.0.1');
    limiter.assertAddressAllowed('10.0.0.1');
  });
});

describe('failed authentications per address', () => {
  it('makes an address wait for the rest of the minute once it failed too often', () => {
    let now = 0;
    const limiter = new RateLimiter(6000, 3, () => now);
    for (let i = 0; i < 3; i++) {
      limiter.assertAddressAllowed('10.0.0.1');
      limiter.recordFailure('10.0.0.1');
    }
    now += 20_000;
    const error = refusal(() => limiter.assertAddressAllowed('10.0.0.1'));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.headers).toEqual({ 'Retry-After': '40' });
    limiter.assertAddressAllowed('10.0.0.2');
    now += 40_000;
    limiter.assertAddressAllowed('10.0.0.1');
  });
});
