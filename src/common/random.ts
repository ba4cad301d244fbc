/**
 * mulberry32: a small, fast seeded generator of numbers in [0, 1). Tests, synthetic histories
 * and the benchmark workload draw from it so that the same seed gives the same data every run
 * (the service itself never uses it).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
