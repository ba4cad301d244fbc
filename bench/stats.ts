/** Small statistics helpers for the benchmarks: percentiles of latency samples, rates, formatting. */

/** Nearest-rank percentile (p in [0, 100]) of unsorted samples; undefined when there are none. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface Summary {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { count: 0, p50: null, p99: null, max: null, mean: null };
  let sum = 0;
  let max = -Infinity;
  for (const s of samples) {
    sum += s;
    if (s > max) max = s;
  }
  return {
    count: samples.length,
    p50: round(percentile(samples, 50)!, 3),
    p99: round(percentile(samples, 99)!, 3),
    max: round(max, 3),
    mean: round(sum / samples.length, 3),
  };
}

/** Operations per second over an elapsed time in ms. */
export const perSecond = (operations: number, elapsedMs: number): number => Math.round((operations * 1000) / Math.max(elapsedMs, 1e-3));

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Monotonic milliseconds. */
export const now = (): number => performance.now();

/** Peak resident set size of this process so far, in MB (getrusage's maxrss is in kB on Linux). */
export const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/** Samples the RSS of this process every `everyMs` until stopped; returns the highest seen, in MB. */
export function sampleRss(everyMs = 200): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 1024 / 1024);
    },
  };
}
