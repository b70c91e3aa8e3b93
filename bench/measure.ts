/**
 * One load run with autocannon against a server, with the CPU each party used read from /proc
 * around it (the machine is shared, so "who used the CPU" is part of every figure), and a
 * profiled stretch of a server's main thread.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import {
  cpuSecondsOf,
  fmt,
  memoryOf,
  postgresCpu,
  postgresCpuBetween,
  sleep,
  type Child,
} from './common';
import { autocannon, type AutocannonRequest } from './drivers';
import { summarize, type CpuProfile, type ProfileSummary } from './profile';

export const DURATION = Number(process.env.BENCH_DURATION ?? 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
export const WARMUP = 3;
const SETTLE_MS = 1500;

export interface LoadResult {
  name: string;
  connections: number;
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** The first few non-2xx answers, to tell a refusal from a failure. */
  refusals: string[];
  /** Percent of one core. */
  serverCpuPct: number;
  serverCpuMsPerRequest: number;
  /** This process (autocannon), percent of one core. */
  loadGenCpuPct: number;
  /** All cores busy, percent of the machine (100 = every core). */
  machineBusyPct: number;
  /** All PostgreSQL processes on the machine, percent of one core (0 on SQLite). */
  postgresCpuPct: number;
  /** CPU used by none of the above, percent of one core: other processes on the machine. */
  otherCpuPct: number;
  /** Little's law: connections / throughput, the mean time a request waits plus runs. */
  littleMeanMs: number;
  /** The server's resident set at the end of the run, and its peak so far. */
  serverRssMiB: number | null;
  serverPeakRssMiB: number | null;
}

/** Busy and total jiffies of the whole machine, from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = fields.map(Number);
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - n[3] - n[4], total };
}

export const round2 = (n: number) => Math.round(n * 100) / 100;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A warm-up, then the measured run; `next` builds each request (path, headers, body). */
export async function load(
  name: string,
  server: Child,
  path: string,
  method: 'GET' | 'POST',
  next: () => AutocannonRequest,
  connections = CONNECTIONS,
): Promise<LoadResult> {
  const refusals: string[] = [];
  const requests = [
    {
      method,
      path,
      setupRequest: (req: AutocannonRequest) => ({ ...req, ...next() }),
      onResponse: (status: number, body: string) => {
        if (status >= 300 && refusals.length < 3) refusals.push(`${status} ${body.slice(0, 200)}`);
      },
    },
  ];
  process.stderr.write(
    `  ${name}: warm-up ${WARMUP}s, then ${DURATION}s at ${connections} connections…`,
  );
  await autocannon({ url: server.url, connections, duration: WARMUP, requests });
  refusals.length = 0;
  const pid = server.proc.pid!;
  const cpu0 = cpuSecondsOf(pid) ?? 0;
  const self0 = process.cpuUsage();
  const pg0 = postgresCpu();
  const m0 = machineTicks();
  const t0 = Date.now();
  const r = await autocannon({ url: server.url, connections, duration: DURATION, requests });
  const wall = (Date.now() - t0) / 1000;
  const serverCpu = (cpuSecondsOf(pid) ?? 0) - cpu0;
  const self = process.cpuUsage(self0);
  const selfCpu = (self.user + self.system) / 1e6;
  const pgPct = (postgresCpuBetween(pg0, postgresCpu()) / wall) * 100;
  const m1 = machineTicks();
  const mem = memoryOf(pid);
  const machineBusy = (m1.busy - m0.busy) / (m1.total - m0.total);
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) {
    statusCodes[code] = Number(s.count);
  }
  const total = r.requests.total;
  const serverPct = (serverCpu / wall) * 100;
  const selfPct = (selfCpu / wall) * 100;
  const result: LoadResult = {
    name,
    connections,
    requests: total,
    reqPerSec: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    maxMs: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
    refusals,
    serverCpuPct: Math.round(serverPct),
    serverCpuMsPerRequest: total ? round2((serverCpu * 1000) / total) : 0,
    loadGenCpuPct: Math.round(selfPct),
    machineBusyPct: Math.round(machineBusy * 100),
    postgresCpuPct: Math.round(pgPct),
    otherCpuPct: Math.max(
      0,
      Math.round(machineBusy * cpus().length * 100 - serverPct - selfPct - pgPct),
    ),
    littleMeanMs: r.requests.average ? round2((connections / r.requests.average) * 1000) : 0,
    serverRssMiB: mem ? Math.round(mem.rssMiB) : null,
    serverPeakRssMiB: mem ? Math.round(mem.peakMiB) : null,
  };
  process.stderr.write(
    ` ${fmt(result.reqPerSec)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ` +
      `non-2xx ${result.non2xx}, server CPU ${result.serverCpuPct}% ` +
      `(${result.serverCpuMsPerRequest} ms/request), ` +
      (result.postgresCpuPct ? `PostgreSQL ${result.postgresCpuPct}%, ` : '') +
      `other processes ${result.otherCpuPct}%\n`,
  );
  for (const refusal of refusals) process.stderr.write(`    e.g. ${refusal}\n`);
  // Requests already read keep running after autocannon stops; on SQLite a second process
  // writing the same file meanwhile (the baseline's warm-up) would get SQLITE_BUSY.
  await sleep(SETTLE_MS);
  return result;
}

/** One HTTP call, timed. */
export async function timed(
  fn: () => Promise<Response>,
): Promise<{ ms: number; status: number; body: string }> {
  const t = process.hrtime.bigint();
  const res = await fn();
  const body = await res.text();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, status: res.status, body };
}

/**
 * Profiles a server's main thread while `work` runs: the server was started with
 * bench/profile-hook.js preloaded, which starts and stops V8's profiler on SIGWINCH.
 */
export async function profiled(
  server: Child,
  file: string,
  work: () => Promise<unknown>,
): Promise<ProfileSummary> {
  rmSync(file, { force: true });
  process.kill(server.proc.pid!, 'SIGWINCH');
  await sleep(100);
  await work();
  process.kill(server.proc.pid!, 'SIGWINCH');
  await sleep(SETTLE_MS);
  for (let i = 0; i < 200 && !existsSync(file); i++) await sleep(100);
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  rmSync(file, { force: true });
  return summary;
}

/** Rounds of one comparison, alternating service and baseline. */
export interface Comparison {
  /** The median round of each side (by req/s). */
  service: LoadResult;
  baseline: LoadResult;
  rounds: { service: LoadResult[]; baseline: LoadResult[] };
  /** False when any round had a non-2xx answer, an error or a timeout: not compared. */
  valid: boolean;
  /** Why it is invalid, one line a round. */
  invalid: string[];
  /** service / baseline of each round (rounds ran side by side), their median and spread. */
  ratios: number[];
  ratio: number;
  spread: { service: [number, number]; baseline: [number, number]; ratio: [number, number] };
}

const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];

/** The median round of each side and the per-round ratios; invalid if any round was. */
export function compared(rounds: { service: LoadResult[]; baseline: LoadResult[] }): Comparison {
  const invalid = [...rounds.service, ...rounds.baseline]
    .filter((r) => r.non2xx || r.errors || r.timeouts)
    .map(
      (r) =>
        `${r.name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts` +
        (r.refusals.length ? ` (e.g. ${r.refusals[0]})` : ''),
    );
  const medianRound = (xs: LoadResult[]) =>
    [...xs].sort((a, b) => a.reqPerSec - b.reqPerSec)[Math.floor(xs.length / 2)];
  const ratios = rounds.service.map((s, i) => round2(s.reqPerSec / rounds.baseline[i].reqPerSec));
  return {
    service: medianRound(rounds.service),
    baseline: medianRound(rounds.baseline),
    rounds,
    valid: invalid.length === 0,
    invalid,
    ratios,
    ratio: median(ratios),
    spread: {
      service: range(rounds.service.map((r) => r.reqPerSec)),
      baseline: range(rounds.baseline.map((r) => r.reqPerSec)),
      ratio: range(ratios),
    },
  };
}
