/**
 * Sends one generated case and judges the answer:
 * - no 5xx (503 NOT_CAUGHT_UP only for a wait on a position the log has not reached), and an answer at all;
 * - every 4xx is application/problem+json with an upper-case `code` and its own `status`, no internals,
 *   and does not repeat the URL;
 * - a refused request (4xx or 5xx) and any read leave the log's head where it was;
 * - a request that must be refused (malformed, out of range, unknown, out of the key's reach) is;
 * - a scoped key asking about another unit's dossier gets exactly what it gets for a dossier that
 *   does not exist (the same request is sent again for a missing id and the answers compared).
 * Violations are tallied by class, each with its shortest example, for the closing note.
 */
import { type RawResponse } from './fuzz-http.js';
import { MISSING, type Province } from './fuzz-province.js';
import { describe, type FuzzCase, validAuth } from './fuzz-case.js';

export interface Example {
  request: string;
  status: number;
  answer: string;
}

export class Tally {
  requests = 0;
  readonly routes = new Set<string>();
  readonly callers = new Set<string>();
  readonly statuses = new Map<number, number>();
  /** Statuses by route, for the summary file: how deep each route's requests got. */
  readonly byRoute = new Map<string, Map<number, number>>();
  /** Time spent waiting for answers, by route (where a run's time goes). */
  readonly milliseconds = new Map<string, number>();
  fiveHundreds = 0;
  /** Oversized-header requests whose connection closed before the answer could be read. */
  dropped = 0;
  refusedStateChanges = 0;
  mustRefuse = 0;
  readonly classes = new Map<string, { count: number; example: Example }>();

  record(c: FuzzCase, res: RawResponse): void {
    this.requests++;
    if (c.route !== 'raw') this.routes.add(c.route);
    if (validAuth(c) && res.status !== 401 && res.status !== 0) this.callers.add(c.caller.id);
    this.statuses.set(res.status, (this.statuses.get(res.status) ?? 0) + 1);
    const route = this.byRoute.get(c.route) ?? new Map<number, number>();
    route.set(res.status, (route.get(res.status) ?? 0) + 1);
    this.byRoute.set(c.route, route);
  }

  violation(kind: string, c: FuzzCase, res: RawResponse): void {
    const key = `${kind} | ${c.route} | ${res.status}${res.status ? '' : ` ${res.error ?? 'timeout'}`}`;
    const example = { request: describe(c), status: res.status, answer: `${res.contentType} ${res.text.slice(0, 300)}` };
    const known = this.classes.get(key);
    if (!known) this.classes.set(key, { count: 1, example });
    else {
      known.count++;
      if (example.request.length < known.example.request.length) known.example = example;
    }
  }
}

/** Why the request must be refused given what the service holds (the mirror). */
function stateRefusals(c: FuzzCase, p: Province): { refuse: string[]; twin: boolean } {
  const w = p.world;
  const refuse: string[] = [];
  let twin = false;
  for (const u of c.unitRefs) if (!w.units.has(u)) refuse.push(`unknown unit ${u}`);
  if (c.existingUnit !== undefined && !w.units.has(c.existingUnit)) refuse.push(`unknown unit ${c.existingUnit}`);
  if (c.procedureRef !== undefined && !w.procedures.has(c.procedureRef)) refuse.push(`unknown procedure ${c.procedureRef}`);
  if (c.existingProcedure !== undefined && !w.procedures.has(c.existingProcedure)) refuse.push(`unknown procedure ${c.existingProcedure}`);
  const scoped = c.caller.scoped && validAuth(c) && !c.replayable;
  if (scoped && c.scopedUnit !== undefined && !w.reaches(c.caller, c.scopedUnit)) refuse.push(`unit ${c.scopedUnit} out of the key's reach`);
  if (c.dossier) {
    const { id, use } = c.dossier;
    const exists = w.dossiers.has(id);
    if (use === 'receive' && exists && !c.replayable) refuse.push(`dossier ${id} already received`);
    if (use !== 'receive' && !exists) refuse.push(`dossier ${id} does not exist`);
    if (use !== 'receive' && exists && scoped && !(use === 'read' ? w.canRead(c.caller, id) : w.canCommand(c.caller, id))) {
      refuse.push(`dossier ${id} out of the key's reach`);
      twin = !c.refuse.some((r) => r.startsWith('role '));
    }
  }
  if (c.putUnit?.parentId !== undefined && w.units.has(c.putUnit.parentId) && w.within(c.putUnit.parentId, c.putUnit.id)) {
    refuse.push(`unit ${c.putUnit.id} below itself`);
  }
  return { refuse, twin };
}

interface Problem {
  code?: unknown;
  status?: unknown;
}

function parseProblem(res: RawResponse): Problem | undefined {
  if (!res.contentType.startsWith('application/problem+json')) return undefined;
  try {
    return JSON.parse(res.text) as Problem;
  } catch {
    return undefined;
  }
}

/** FUZZ_TRACE=<part of a route>: print every request of the matching routes with its answer. */
const TRACE = process.env.FUZZ_TRACE;
const LEAKS = /\n\s+at |node_modules|\/src\/|\.ts:\d+|RangeError|TypeError|SqliteError/;

/** Sends the case, judges the answer, updates the mirror; answers the violations found (empty: none). */
export async function runCase(p: Province, c: FuzzCase, tally: Tally): Promise<string[]> {
  const state = stateRefusals(c, p);
  const mustRefuse = [...c.refuse, ...state.refuse];
  const { res, found } = await sendAndJudge(p, c, mustRefuse, tally);
  if (state.twin && res.status !== 0) found.push(...(await compareWithMissing(p, c, res, tally)));
  return found;
}

async function sendAndJudge(p: Province, c: FuzzCase, mustRefuse: string[], tally: Tally): Promise<{ res: RawResponse; found: string[] }> {
  const before = await p.head();
  const started = performance.now();
  const res = await p.client.send({ method: c.method, path: c.path, headers: c.headers, body: c.body });
  tally.milliseconds.set(c.route, (tally.milliseconds.get(c.route) ?? 0) + performance.now() - started);
  if (res.error?.startsWith('client:')) return { res, found: [] }; // never sent: node:http would not put it on the wire
  const after = await p.head();
  tally.record(c, res);
  if (TRACE && c.route.includes(TRACE)) process.stdout.write(`${describe(c)}\n  -> ${res.status} ${res.text.slice(0, 300)}\n`);
  if (mustRefuse.length > 0) tally.mustRefuse++;
  const found: string[] = [];
  const flag = (kind: string, detail: string) => {
    tally.violation(kind, c, res);
    found.push(`${kind}: ${detail}\n  request: ${describe(c)}\n  answer: ${res.status} ${res.contentType} ${res.text.slice(0, 400)}`);
  };
  const problem = parseProblem(res);
  if (res.status === 0 && c.mayDropConnection && !res.timedOut) tally.dropped++;
  else if (res.status === 0) flag('no answer', res.timedOut ? 'no answer within the time limit' : `connection failed: ${res.error}`);
  else if (res.status >= 500 && !(res.status === 503 && c.notCaughtUpOk && problem?.code === 'NOT_CAUGHT_UP')) {
    tally.fiveHundreds++;
    flag('5xx', `answered ${res.status}`);
  }
  if (res.status >= 400) {
    if (!problem || typeof problem.code !== 'string' || !/^[A-Z][A-Z_]*$/.test(problem.code) || problem.status !== res.status) {
      flag('not problem+json', 'a refusal must be application/problem+json with a code and its status');
    }
    if (LEAKS.test(res.text)) flag('internals in the answer', 'a stack trace, a source path or an internal error name');
    // Issue 21, finding 7: Fastify's own refusals echoed the URL (whatever an attacker put in it).
    if ([400, 414, 431].includes(res.status) && c.path.length >= 24 && res.text.includes(c.path)) flag('echoes the URL', 'a refusal repeats the request URL');
    if (after !== before) {
      tally.refusedStateChanges++;
      flag('refused but changed the log', `head moved from ${before} to ${after}`);
    }
  }
  if (c.method === 'GET' && after !== before) flag('read changed the log', `head moved from ${before} to ${after}`);
  if (res.status > 0 && res.status < 400 && mustRefuse.length > 0) flag(`accepted: ${reasonClass(mustRefuse[0])}`, `must be refused: ${mustRefuse.join('; ')}`);
  if (res.status >= 200 && res.status < 300) learn(p, c, res, after !== before);
  return { res, found };
}

/** The mirror follows what the service accepted. */
function learn(p: Province, c: FuzzCase, res: RawResponse, appended: boolean): void {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.text) as Record<string, unknown>;
  } catch {
    return;
  }
  if (c.route === 'PUT /units/:unitId' && typeof body.unitId === 'string') p.world.units.set(body.unitId, typeof body.parentId === 'string' ? body.parentId : undefined);
  if (c.route === 'PUT /procedures/:code' && typeof body.code === 'string') p.world.procedures.add(body.code);
  if (c.route.startsWith('POST /dossiers') && appended) p.world.recordDossier(body);
}

const idPattern = (id: string) => new RegExp(`(?<![A-Za-z0-9._-])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9._-])`, 'g');

/** Classes of refusal reasons without their particular values (`year 1800` and `year 0` are one class). */
function reasonClass(reason: string): string {
  return reason
    .replace(/"[^"]*"/g, '…')
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, 'N')
    .replace(/(unit|procedure|dossier) [A-Za-z0-9._-]+/g, '$1 X')
    .slice(0, 80);
}

/**
 * Issue 21, finding 6: a scoped key must not learn whether, when or where another unit's dossier
 * exists. The same request for a dossier that was never received must get the same answer.
 */
async function compareWithMissing(p: Province, c: FuzzCase, res: RawResponse, tally: Tally): Promise<string[]> {
  const id = c.dossier!.id;
  const twin: FuzzCase = { ...c, path: c.path.replace(/^\/dossiers\/[^/?]+/, `/dossiers/${MISSING.dossier}`), dossier: { id: MISSING.dossier, use: c.dossier!.use } };
  const { res: other, found } = await sendAndJudge(p, twin, [...c.refuse, `dossier ${MISSING.dossier} does not exist`], tally);
  // The id itself may differ in the text (a detail naming the dossier); nothing else may.
  const normal = (r: RawResponse, dossierId: string) => `${r.status} ${r.contentType} ${r.text.replace(idPattern(dossierId), '<id>')}`;
  if (normal(res, id) !== normal(other, MISSING.dossier)) {
    tally.violation('out-of-scope dossier answered unlike a missing one', c, res);
    found.push(
      `out-of-scope dossier answered unlike a missing one\n  request: ${describe(c)}\n  answer for ${id}: ${normal(res, id).slice(0, 400)}\n  answer for a missing dossier: ${normal(other, MISSING.dossier).slice(0, 400)}`,
    );
  }
  return found;
}
