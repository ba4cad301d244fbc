import { describe, expect, it } from '@jest/globals';
import { isoInstant } from './iso-instant.js';
import { mulberry32 } from './random.js';

describe('isoInstant is Date.prototype.toISOString', () => {
  const date = (ms: number) => new Date(ms).toISOString();

  it.each([
    0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000, 951_782_400_000 /* 2000-02-29 */, 951_868_800_000 /* 2000-03-01 */,
    4_107_456_000_000 /* 2100-02-28 */, 4_107_542_400_000 /* 2100-03-01 */, 1_740_967_200_000, 253_402_300_799_999,
  ])('%d', (ms) => {
    expect(isoInstant(ms)).toBe(date(ms));
  });

  it('for 200,000 instants drawn over years 1970-9999 and around today', () => {
    const random = mulberry32(7);
    const mismatches: [number, string, string][] = [];
    for (let i = 0; i < 100_000; i++) {
      const wide = Math.floor(random() * 253_402_300_800_000);
      const near = 1_700_000_000_000 + Math.floor(random() * 400_000_000_000);
      for (const ms of [wide, near]) if (isoInstant(ms) !== date(ms)) mismatches.push([ms, isoInstant(ms), date(ms)]);
    }
    expect(mismatches).toEqual([]);
  });

  it("outside its range, Date's own answer or error", () => {
    for (const ms of [-1, -62_198_755_200_000, 253_402_300_800_000, 8.64e15, 1.5, 1_740_967_200_000.7]) expect(isoInstant(ms)).toBe(date(ms));
    for (const ms of [Number.NaN, 8.64e15 + 1, Number.POSITIVE_INFINITY]) expect(() => isoInstant(ms)).toThrow(RangeError);
  });
});
