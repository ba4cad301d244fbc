/**
 * The report loop of the entry-lag benchmarks (over HTTP, bench/entry-lag.ts, and in-process,
 * bench/entry-lag-model.ts): the same periods, each asked once cold, then warm.
 */

/** The periods timed: whole days and months (a week, a month, the year), and two with part-days at their edges. */
export const ENTRY_LAG_PERIODS: Record<string, [from: string, to: string]> = {
  week: ['2025-06-02T00:00:00+07:00', '2025-06-09T00:00:00+07:00'],
  month: ['2025-06-01T00:00:00+07:00', '2025-07-01T00:00:00+07:00'],
  year: ['2025-01-01T00:00:00+07:00', '2026-01-01T00:00:00+07:00'],
  quarterToDate: ['2025-04-01T00:00:00+07:00', '2025-06-17T14:30:00+07:00'],
  ragged: ['2025-01-15T09:00:00+07:00', '2025-12-20T15:00:00+07:00'],
};

/** One answer of a report: the events it counted, its wall time, and its CPU when the asker measures it. */
export interface Answer {
  events: number;
  ms: number;
  cpuMs?: number;
}

/** A period's answers: the first (cold), the timed warm ones, and the CPU per timed answer on `cpuUs`'s clock. */
export interface PeriodAnswers {
  events: number;
  cold: Answer;
  warm: Answer[];
  cpuMsPerAnswer?: number;
}

/**
 * Asks each period's report `1 + warmup + runs` times in turn: the first answer is the cold one,
 * the `warmup` next are not kept, the `runs` last are timed. `cpuUs` (a CPU clock in microseconds:
 * the server's, say) is read around the timed answers; `report` is called after each period.
 */
export async function askPeriods(
  ask: (from: string, to: string) => Promise<Answer>,
  options: { runs: number; warmup?: number; cpuUs?: () => Promise<number>; report: (name: string, answers: PeriodAnswers) => void },
): Promise<void> {
  const warmup = options.warmup ?? 0;
  for (const [name, [from, to]] of Object.entries(ENTRY_LAG_PERIODS)) {
    const cold = await ask(from, to);
    for (let i = 0; i < warmup; i++) await ask(from, to);
    const cpuBefore = await options.cpuUs?.();
    const warm: Answer[] = [];
    for (let i = 0; i < options.runs; i++) warm.push(await ask(from, to));
    const cpuAfter = await options.cpuUs?.();
    const cpuMsPerAnswer = cpuBefore === undefined || cpuAfter === undefined ? undefined : Math.round(cpuAfter - cpuBefore) / 1000 / options.runs;
    options.report(name, { events: (warm.at(-1) ?? cold).events, cold, warm, cpuMsPerAnswer });
  }
}
