/**
 * As-of province reports over HTTP, and what they cost everybody else: the year's report as known
 * at random instants, one at a time; /health and commands timed while `n` auditors ask as-of
 * reports back to back (retrying after Retry-After when refused with 429). Used by bench/as-of.ts
 * and by the full benchmark at each size (bench/projections.ts).
 */
import { readFileSync } from 'node:fs';
import { Client } from '../client.js';
import { now, summarize, type Summary } from '../stats.js';
import type { Workload } from '../workload.js';

const YEAR_FROM = '2025-01-01T00:00:00+07:00';
const YEAR_TO = '2026-01-01T00:00:00+07:00';
/** Past instants for the as-of answers: the end of the workload's year, minus a few minutes each. */
const AS_OF_BASE = Date.parse('2025-12-31T12:00:00+07:00');
/** How long commands and probes are timed while as-of reports run (at least one each). */
const DURING_MS = 3000;

export interface Interference {
  asOf: Summary;
  asOfRefused429: number;
  health: Summary;
  /** /health answers other than 200 (counted, not timed). */
  healthNot200: number;
  commands: Summary;
  commandFailures: number;
}

type Province = Workload['province'];
export type AsOfAnswer = { ms: number; refused: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const asOfPath = (root: string, asOf: number) =>
  `/units/${root}/timeliness?from=${encodeURIComponent(YEAR_FROM)}&to=${encodeURIComponent(YEAR_TO)}&asOf=${encodeURIComponent(new Date(asOf).toISOString())}`;

/** An auditor's as-of province reports, each at a new instant unless given one. */
export class AsOfAuditor {
  private instant = 0;

  constructor(
    private readonly client: Client,
    private readonly province: Province,
  ) {}

  /** The year's end minus one more minute each time. */
  nextInstant(): number {
    return AS_OF_BASE - 60_000 * ++this.instant;
  }

  async ask(at = this.nextInstant()): Promise<AsOfAnswer> {
    const t0 = now();
    let refused = 0;
    for (;;) {
      const a = await this.client.send('GET', asOfPath(this.province.root, at), 'auditor');
      if (a.status === 200) return { ms: now() - t0, refused };
      if (a.status !== 429) throw new Error(`as-of answered ${a.status}: ${JSON.stringify(a.body)}`);
      refused++;
      await sleep(1000 * (Number(a.headers?.['retry-after']) || 1));
    }
  }

  /** `count` reports at random instants of the year (a fixed sequence), one at a time. */
  async atRandomInstants(count: number): Promise<number[]> {
    const out: number[] = [];
    let state = 12345;
    const yearFrom = Date.parse(YEAR_FROM);
    for (let i = 0; i < count; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      out.push((await this.ask(yearFrom + Math.floor((state / 2 ** 32) * (AS_OF_BASE - yearFrom)))).ms);
    }
    return out;
  }
}

/**
 * `n` auditors asking as-of reports back to back for `duringMs` (none: probes alone); meanwhile /health
 * probed in turn and commands sent at 20/s, each on connections of its own (a probe never waits in
 * the client behind a command).
 */
export async function interference(base: string, province: Province, n: number, asOf: () => Promise<AsOfAnswer>, duringMs = DURING_MS): Promise<Interference> {
  let running = true;
  const health: number[] = [];
  let healthNot200 = 0;
  const commands: number[] = [];
  let commandFailures = 0;
  const prober = new Client(base);
  const client = new Client(base);
  const probes = (async () => {
    while (running) {
      const a = await prober.send('GET', '/health', 'auditor');
      if (a.status === 200) health.push(a.ms);
      else healthNot200++;
      await sleep(20);
    }
  })();
  const receivers = province.units.filter((u) => u.unitId !== province.root).map((u) => u.unitId);
  const stamp = Date.now().toString(36);
  const sent: Promise<void>[] = [];
  const background = (async () => {
    for (let i = 0; running; i++) {
      sent.push(
        client
          .send('POST', '/dossiers', 'integrator', {
            dossierId: `A${stamp}-${n}-${i}`,
            procedureCode: 'HT-KHAISINH',
            unitId: receivers[i % receivers.length],
            channel: 'direct',
            receivedAt: new Date(Date.now() - 1000).toISOString(),
          })
          .then((a) => {
            if (a.status === 201) commands.push(a.ms);
            else commandFailures++;
          }),
      );
      await sleep(50);
    }
  })();
  await sleep(200);
  // Each of the n auditors asks again as soon as answered, for DURING_MS at least.
  const until = now() + duringMs;
  const auditor = async () => {
    const mine: AsOfAnswer[] = [];
    do mine.push(await asOf());
    while (now() < until);
    return mine;
  };
  const answers = n === 0 ? (await sleep(duringMs), []) : (await Promise.all(Array.from({ length: n }, auditor))).flat();
  running = false;
  await Promise.all([probes, background]);
  await Promise.all(sent);
  prober.close();
  client.close();
  return {
    asOf: summarize(answers.map((a) => a.ms)),
    asOfRefused429: answers.reduce((s, a) => s + a.refused, 0),
    health: summarize(health),
    healthNot200,
    commands: summarize(commands),
    commandFailures,
  };
}

/** User + system CPU of a process's main thread so far, in ms (Linux /proc; clock ticks of 10 ms), or undefined elsewhere. */
export function mainThreadCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

export interface AsOfFigures {
  /** The year's province report as known at random instants, one at a time. */
  asOfReport: Summary;
  /** While four auditors ask as-of reports back to back. */
  during4: Interference;
}

/** The full benchmark's as-of figures over a running service (asOfReportP50Ms / P99Ms, commandP99DuringAsOfMs). */
export async function measureAsOf(base: string, province: Province, randomInstants: number): Promise<AsOfFigures> {
  const client = new Client(base);
  try {
    const auditor = new AsOfAuditor(client, province);
    await auditor.ask(); // warm-up
    const asOfReport = summarize(await auditor.atRandomInstants(randomInstants));
    // Ten seconds: ~200 commands at 20/s, where three seconds gave ~60, whose p99 was their maximum.
    const during4 = await interference(base, province, 4, () => auditor.ask(), 10_000);
    return { asOfReport, during4 };
  } finally {
    client.close();
  }
}
