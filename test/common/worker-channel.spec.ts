import { describe, expect, it } from '@jest/globals';
import { runScriptResult } from '../support/run-script.js';

describe('newWorker', () => {
  it("holds a worker with a young-generation limit to it under the service's semi-space flags, and leaves other threads' as the flags say", async () => {
    const result = await runScriptResult<Record<string, number>>('test/common/support/young-generation.ts', [], ['--max-semi-space-size=64', '--min-semi-space-size=64']);
    // 48 MiB of young generation: semi-spaces of up to 16 MiB; the flags': two of 64 MiB.
    expect(result.limitedA).toBeLessThanOrEqual(32);
    expect(result.limitedB).toBeLessThanOrEqual(32);
    expect(result).toMatchObject({ unlimited: 128, main: 128 });
  }, 30_000);
});
