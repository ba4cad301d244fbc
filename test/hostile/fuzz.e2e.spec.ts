/**
 * Property-based fuzzer of the whole HTTP surface (issue 21, "hostile-input suite").
 *
 * Drives every route of the service (the controllers' routes, read from Nest's metadata, plus the
 * HTTP layer's own answers) against the real service on a small seeded province, with generated
 * bodies (valid ones and near-misses: wrong types, nulls, huge and tiny numbers, instants of years
 * 0000/1800/9999/+275760, unicode, long strings, deep nesting, `__proto__`/`constructor`/`toString`
 * keys), query strings, headers (If-Match, Idempotency-Key, Content-Type, Authorization) and ids
 * (existing, missing, malformed, traversal-ish, encoded), for every role with a key for all units and
 * a key for district D01. For every request: no 5xx; every 4xx is problem+json with a `code`; a
 * refused request leaves the log's head where it was; what must be refused is (see fuzz-oracle.ts).
 * Afterwards /health answers and the read side has caught up with the log.
 *
 * Seeded and bounded: about 4,000 requests, 15-25 s alone, 30-45 s within `npm test` on two busy
 * cores. Options (environment):
 *   FUZZ_SEED=<int>   another seed (default 20261207; printed with every failure by fast-check)
 *   FUZZ_RUNS=<int>   requests to generate over all families (default 4000), e.g. FUZZ_RUNS=20000
 *   FUZZ_COLLECT=1    do not stop a family at its first failure: run everything, then list every
 *                     distinct failure class with its shortest example (no shrinking)
 *   FUZZ_SUMMARY=<path> also write the closing figures (and statuses and time by route) as JSON
 *   FUZZ_TRACE=<part of a route>  print each matching request with its answer
 *   FUZZ_LOG=error    show the service's own log (the stack behind a 500)
 * e.g. FUZZ_RUNS=20000 FUZZ_SEED=7 NODE_OPTIONS=--experimental-vm-modules npx jest test/hostile/fuzz.e2e.spec.ts
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { serviceRoutes } from '../access/routes.js';
import { TEST_KEYS } from '../support/test-app.js';
import { ISSUE_EXAMPLES } from './support/fuzz-examples.js';
import { runCase, Tally } from './support/fuzz-oracle.js';
import { type Province, startProvince } from './support/fuzz-province.js';
import { type Family, type FuzzCase } from './support/fuzz-case.js';
import { DRIVEN_ROUTES, dossierReadsArb, operationsArb, otherRoutesArb, supervisionArb } from './support/fuzz-routes-reads.js';
import { commandsArb, referenceDataArb } from './support/fuzz-routes-writes.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const RUNS = Number(process.env.FUZZ_RUNS ?? 4000);
const COLLECT = process.env.FUZZ_COLLECT === '1';
const NOW = Date.now();

/** Routes the service declares that no family generator knows: driven by the generic one. */
const OTHER_ROUTES = serviceRoutes().filter((r) => !DRIVEN_ROUTES.includes(r));

/**
 * Commands first (the issue's attacks meet the seeded province as it was), reference data (new
 * calendars, units, procedures) later, then every family mixed (commands under odd calendars).
 */
const FAMILIES: [Family | 'mixed', string, fc.Arbitrary<FuzzCase>, number][] = [
  ['commands', 'commands', commandsArb(NOW), 0.28],
  ['dossier reads', 'dossier reads', dossierReadsArb(NOW), 0.12],
  ['supervision', 'supervision: reports, steps, live streams, lists', supervisionArb(NOW), 0.17],
  ['reference data', 'reference data', referenceDataArb(NOW), 0.17],
  ['operations and raw HTTP', 'operations and the HTTP layer', operationsArb(), 0.11],
  ...(OTHER_ROUTES.length ? [['other routes', 'routes without a generator of their own', otherRoutesArb(OTHER_ROUTES, NOW), 0.05] as [Family, string, fc.Arbitrary<FuzzCase>, number]] : []),
  ['mixed', 'every family at once', fc.oneof(commandsArb(NOW), referenceDataArb(NOW), dossierReadsArb(NOW), supervisionArb(NOW), operationsArb()), 0.15],
];

describe(`hostile input: fuzzing every route (seed ${SEED}, ${RUNS} runs${COLLECT ? ', collecting' : ''})`, () => {
  let p: Province;
  const tally = new Tally();
  const started = Date.now();

  beforeAll(async () => {
    process.stdout.write(`fuzz: seed ${SEED} (FUZZ_SEED), ${RUNS} runs (FUZZ_RUNS)\n`);
    p = await startProvince();
  });
  afterAll(() => p?.close());

  FAMILIES.forEach(([family, name, arbitrary, share], i) => {
    it(`${name}: no 5xx, refusals are problem+json and change nothing, the invalid is refused`, async () => {
      await fc.assert(
        fc.asyncProperty(arbitrary, async (c) => {
          const found = await runCase(p, c, tally);
          if (found.length > 0 && !COLLECT) throw new Error(found.join('\n'));
        }),
        // The issue's own attacks first, then the generated ones.
        { seed: SEED + i, numRuns: Math.max(1, Math.round(RUNS * share)), examples: (family === 'mixed' ? [] : ISSUE_EXAMPLES[family]).map((c) => [c] as [FuzzCase]) },
      );
    }, 600_000);
  });

  it('afterwards: /health answers, the read side caught up with the log, every route was driven; the figures', async () => {
    const health = await p.client.send({ method: 'GET', path: '/health', headers: {} });
    const status = await caughtUp(p);
    const routes = serviceRoutes();
    const roles = [...new Set([...tally.callers].map((c) => c.split('-')[0]))].sort();
    const figures = {
      command: `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} NODE_OPTIONS=--experimental-vm-modules npx jest test/hostile/fuzz.e2e.spec.ts`,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      requests: tally.requests,
      routes: `${routes.filter((r) => tally.routes.has(r)).length} of ${routes.length}`,
      roles: roles.join(', '),
      keys: [...tally.callers].sort().join(', '),
      statuses: Object.fromEntries([...tally.statuses].sort(([a], [b]) => a - b)),
      mustRefuse: tally.mustRefuse,
      byRoute: Object.fromEntries([...tally.byRoute].map(([r, m]) => [r, { ...Object.fromEntries(m), ms: Math.round(tally.milliseconds.get(r) ?? 0) }])),
      fiveHundreds: tally.fiveHundreds,
      refusedStateChanges: tally.refusedStateChanges,
      failureClasses: [...tally.classes].map(([k, v]) => ({ class: k, count: v.count, example: v.example })),
    };
    process.stdout.write(
      [
        `fuzz: ${figures.requests} requests in ${figures.seconds} s; routes ${figures.routes}; roles ${figures.roles} (keys ${figures.keys})`,
        `fuzz: statuses ${JSON.stringify(figures.statuses)}; ${figures.mustRefuse} had to be refused; ${tally.dropped} oversized-header connections closed unread`,
        `fuzz: 5xx = ${figures.fiveHundreds}; state changes by refused requests = ${figures.refusedStateChanges}; failure classes = ${figures.failureClasses.length}`,
        ...figures.failureClasses.map((f) => `fuzz:   ${f.class} ×${f.count}\n        ${f.example.request}\n        -> ${f.example.status} ${f.example.answer}`),
        `fuzz: reproduce with ${figures.command}`,
        '',
      ].join('\n'),
    );
    if (process.env.FUZZ_SUMMARY) writeFileSync(process.env.FUZZ_SUMMARY, JSON.stringify(figures, null, 2));

    expect([health.status, health.text]).toEqual([200, expect.stringContaining('"ok"')]);
    expect(status).toMatchObject({ caughtUp: true });
    expect(routes.filter((r) => !tally.routes.has(r))).toEqual([]);
    expect(roles).toEqual(['admin', 'auditor', 'integrator', 'supervisor']);
    expect(figures.failureClasses.map((f) => `${f.class}: ${f.example.request} -> ${f.example.status} ${f.example.answer}`)).toEqual([]);
    expect([tally.fiveHundreds, tally.refusedStateChanges]).toEqual([0, 0]);
  }, 60_000);
});

/** The projector's status once it has applied the whole log (or as it stands after 15 s). */
async function caughtUp(p: Province): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await p.client.send({ method: 'GET', path: '/projections/status', headers: { authorization: `Bearer ${TEST_KEYS.auditor}` } });
    const status = res.status === 200 ? (JSON.parse(res.text) as Record<string, unknown>) : { answer: `${res.status} ${res.text}` };
    if (status.caughtUp === true || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 200));
  }
}
