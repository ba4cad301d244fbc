/**
 * Summarises a V8 CPU profile (.cpuprofile from `node --cpu-prof`, e.g. `npm run bench -- --profile`):
 * self time by function and by package/source file, and inclusive ("total") time of the frames
 * that matter for the command path.
 *
 *   node dist/bench/profile.js <file.cpuprofile> [top=30]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  bySelf: { name: string; ms: number; pct: number }[];
  byPackage: { name: string; ms: number; pct: number }[];
  byTotal: { name: string; ms: number; pct: number }[];
}

/** node_modules package, src/... file, or node: internals. */
function origin(url: string): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const src = url.indexOf('/dist/');
  if (src >= 0) return url.slice(src + 6);
  if (url.startsWith('node:')) return url;
  return url;
}

export function summarizeProfile(file: string, top = 30): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Time per node from samples and their deltas (more exact than hitCount x interval).
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalUs = profile.endTime - profile.startTime;

  const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${origin(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const pkg = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName;
    if (name === '(idle)') idleUs += us;
    self.set(label(n), (self.get(label(n)) ?? 0) + us);
    const o = name.startsWith('(') ? name : origin(n.callFrame.url);
    pkg.set(o, (pkg.get(o) ?? 0) + us);
    // Inclusive: each distinct frame label on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const rows = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: Math.round((us / busyUs) * 1000) / 10 }));
  return {
    totalMs: Math.round(totalUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    bySelf: rows(self, top),
    byPackage: rows(pkg, top),
    byTotal: rows(inclusive, top * 2).filter((r) => !r.name.startsWith('(root)')),
  };
}

if (process.argv[1]?.endsWith('profile.js')) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile.js <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const s = summarizeProfile(file, Number(topArg ?? 30));
  const print = (title: string, rows: ProfileSummary['bySelf']) => {
    process.stdout.write(`\n${title} (% of busy time)\n`);
    for (const r of rows) process.stdout.write(`${String(r.ms).padStart(8)} ms ${String(r.pct).padStart(5)}%  ${r.name}\n`);
  };
  process.stdout.write(`profile ${file}: ${s.totalMs} ms, idle ${s.idleMs} ms\n`);
  print('self time by package / file', s.byPackage);
  print('self time by function', s.bySelf);
  print('inclusive time by function', s.byTotal);
}
