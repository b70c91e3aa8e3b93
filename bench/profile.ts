/**
 * Where a server's CPU time went during a profiled stretch of a run, by package: the figures
 * behind "why" in the benchmark report. Self time of every sampled frame is charged to the
 * package its script belongs to. better-sqlite3's native calls are "SQLite"; other native frames
 * (crypto, socket writes, …) and Node's own library code are charged to the package that called
 * them: "native ← jsonwebtoken" is Node's crypto working for jsonwebtoken. V8 samples the main
 * thread's stack, so time blocked in a call (an fsync inside SQLite's COMMIT) counts as well.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber?: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  busyMs: number;
  /** Share of busy (non-idle) time, percent, largest first. */
  byPackage: { name: string; pct: number }[];
  /** The functions with the most self time. */
  topFunctions: { name: string; where: string; pct: number }[];
}

function packageOf(url: string): string | null {
  if (!url) return null;
  if (url.startsWith('node:')) return 'node core';
  const i = url.lastIndexOf('node_modules/');
  if (i >= 0) {
    const parts = url.slice(i + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.includes('/dist/src/')) return 'service code (src/)';
  if (url.includes('/dist/bench/')) return 'baseline code (bench/)';
  return 'other';
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** better-sqlite3's native methods: time in them is SQLite's (and the disk's, on a COMMIT). */
const SQLITE_NATIVE = new Set([
  'run',
  'all',
  'get',
  'iterate',
  'exec',
  'prepare',
  'pragma',
  'Statement',
]);
export const SQLITE = 'SQLite (better-sqlite3, native)';

export function summarize(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ancestors = function* (id: number) {
    for (let p = parent.get(id); p !== undefined; p = parent.get(p)) yield byId.get(p)!;
  };
  /** The first package up the stack that is neither native nor Node's own library. */
  const callerOf = (id: number): string | null => {
    for (const a of ancestors(id)) {
      const p = packageOf(a.callFrame.url);
      if (p && p !== 'node core') return p;
    }
    return null;
  };
  const label = new Map<number, string | null>();
  const labelOf = (id: number): string | null => {
    if (label.has(id)) return label.get(id)!;
    const { functionName, url } = byId.get(id)!.callFrame;
    let result: string | null;
    const inHook = [...ancestors(id)].some((a) => a.callFrame.url.includes('profile-hook'));
    // Idle time, and the profiler's own work (stopping it, serialising the profile), are left out.
    if (functionName === '(idle)' || url.includes('profile-hook') || inHook) result = null;
    else if (functionName === '(garbage collector)') result = 'garbage collector';
    else if (functionName === '(program)' || functionName === '(root)') result = 'V8 / event loop';
    else {
      const own = packageOf(url);
      const caller = callerOf(id);
      if (own === null && SQLITE_NATIVE.has(functionName)) result = SQLITE;
      else if (own === null) result = `native ← ${caller ?? 'event loop'}`;
      else if (own === 'node core') result = caller ? `node core ← ${caller}` : 'node core';
      else result = own;
    }
    label.set(id, result);
    return result;
  };
  const totals = new Map<string, number>();
  const perFunction = new Map<string, { where: string; us: number }>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const l = labelOf(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (l === null) return;
    busy += dt;
    totals.set(l, (totals.get(l) ?? 0) + dt);
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber ?? 0}`;
    const entry = perFunction.get(key) ?? { where: l, us: 0 };
    entry.us += dt;
    perFunction.set(key, entry);
  });
  return {
    busyMs: Math.round(busy / 1000),
    byPackage: [...totals]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, pct: round1((us / busy) * 100) })),
    topFunctions: [...perFunction]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, 15)
      .map(([name, e]) => ({ name, where: e.where, pct: round1((e.us / busy) * 100) })),
  };
}

export function describeSummary(s: ProfileSummary, top = 8): string {
  return s.byPackage
    .slice(0, top)
    .map((b) => `${b.name} ${b.pct}%`)
    .join(', ');
}
