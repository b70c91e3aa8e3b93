/**
 * The benchmark's table, and for every missed target the reasons as measured in the run: CPU
 * per request, who else used the CPU, where the server's main thread spent its time (profile),
 * and two micro-measurements of hot spots the profiles point at.
 */
import { createRequire } from 'node:module';
import { createSecretKey } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { todayIn } from '../src/common/time';
import { fmt } from './common';
import { round2, type LoadResult } from './measure';
import { SQLITE, type ProfileSummary } from './profile';

export interface Row {
  figure: string;
  value: string;
  target: string;
  met: boolean | null;
  why?: string;
}

/** Two decimals, or three where two would round a miss up to the threshold. */
export const ratioText = (r: number, threshold: number) =>
  `${r < threshold && r.toFixed(2) === threshold.toFixed(2) ? r.toFixed(3) : r.toFixed(2)}×`;

const perCall = (n: number, fn: () => unknown) => {
  fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return round2(Number(process.hrtime.bigint() - t) / n / 1000);
};

export interface MicroChecks {
  /** jsonwebtoken.verify of an HS256 token, secret given as a string (what passport-jwt does). */
  jwtVerifyStringSecretUs: number;
  /** The same with the secret as a KeyObject. */
  jwtVerifyKeyObjectUs: number;
  /** src/common/time todayIn(): a new Intl.DateTimeFormat per call. */
  todayInUs: number;
  /** The same with one formatter kept. */
  cachedFormatterUs: number;
  /** Memory outside V8's heap left behind per todayIn() call (ICU objects), KiB. */
  todayInNativeKiB: number;
}

/**
 * Native memory one todayIn() call leaves behind, measured in a fresh node process (this one has
 * freed memory to reuse, which would hide it): 2,000 calls, then the growth of RssAnon per call.
 */
function todayInNativeKiB(timeZone: string): number {
  const script = `
    const { todayIn } = require(${JSON.stringify(resolve(__dirname, '..', 'src', 'common', 'time.js'))});
    const anon = () => Number(/^RssAnon:\\s+(\\d+)/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]);
    todayIn(${JSON.stringify(timeZone)});
    const before = anon();
    for (let i = 0; i < 2000; i++) todayIn(${JSON.stringify(timeZone)});
    process.stdout.write(String((anon() - before) / 2000));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return r.status === 0 ? round2(Number(r.stdout)) : NaN;
}

/** Hot spots the profiles point at, measured in this process. */
export function microChecks(timeZone: string): MicroChecks {
  const jwt = createRequire(__filename)('jsonwebtoken') as {
    sign(payload: object, secret: string, options: object): string;
    verify(token: string, secret: unknown, options: object): unknown;
  };
  const secret = 'x'.repeat(64);
  const token = jwt.sign({ sub: 1, role: 'cadre' }, secret, { algorithm: 'HS256' });
  const key = createSecretKey(Buffer.from(secret));
  const options = { algorithms: ['HS256'] };
  const formatter = new Intl.DateTimeFormat('en-CA', { timeZone });
  return {
    todayInNativeKiB: todayInNativeKiB(timeZone),
    jwtVerifyStringSecretUs: perCall(500, () => jwt.verify(token, secret, options)),
    jwtVerifyKeyObjectUs: perCall(500, () => jwt.verify(token, key, options)),
    todayInUs: perCall(2000, () => todayIn(timeZone)),
    cachedFormatterUs: perCall(2000, () => formatter.format(new Date())),
  };
}

const share = (p: ProfileSummary, name: string) =>
  p.byPackage.find((b) => b.name === name)?.pct ?? 0;
const fnShare = (p: ProfileSummary, name: RegExp) =>
  round2(p.topFunctions.filter((f) => name.test(f.name)).reduce((s, f) => s + f.pct, 0));

/** Where the main thread went, top entries, as one line. */
export function topOf(p: ProfileSummary, n = 5): string {
  return p.byPackage
    .slice(0, n)
    .map((b) => `${b.name} ${b.pct}%`)
    .join(', ');
}

/** Recognised hot spots in a profile, each with its measured fix. */
export function hotSpots(p: ProfileSummary, m: MicroChecks): string[] {
  const out: string[] = [];
  const jwt = round2(share(p, 'native ← jsonwebtoken') + share(p, 'node core ← jsonwebtoken'));
  if (jwt >= 3) {
    out.push(
      `jsonwebtoken re-derives the key from the HS256 secret on every request (a failing ` +
        `createPublicKey, then createSecretKey): ${jwt}% of the main thread; verify takes ` +
        `${m.jwtVerifyStringSecretUs} µs with the secret as a string and ${m.jwtVerifyKeyObjectUs} µs ` +
        `with a KeyObject, so passing crypto.createSecretKey(secret) as passport-jwt's secretOrKey ` +
        `removes it`,
    );
  }
  const today = fnShare(p, /^todayIn /);
  if (today >= 1) {
    out.push(
      `todayIn() builds an Intl.DateTimeFormat per call: ${today}% (${m.todayInUs} µs a call, ` +
        `and ~${m.todayInNativeKiB} KiB of ICU memory outside V8's heap; ${m.cachedFormatterUs} µs ` +
        `and nothing left behind with one formatter kept per time zone)`,
    );
  }
  const sqlite = share(p, SQLITE);
  if (sqlite >= 10) {
    out.push(
      `SQLite itself (statements, page reads, and on writes the COMMIT's fsync under ` +
        `synchronous=FULL) holds the main thread ${sqlite}% of the time: better-sqlite3 is ` +
        `synchronous and the service has one connection, so this part is serial`,
    );
  }
  const orm = share(p, 'typeorm');
  if (orm >= 5) out.push(`TypeORM's own JavaScript (building SQL, hydrating entities): ${orm}%`);
  const gc = share(p, 'garbage collector');
  if (gc >= 5) out.push(`garbage collection: ${gc}%`);
  return out;
}

export function writeWhy(
  s: LoadResult,
  b: LoadResult,
  ps: ProfileSummary,
  pb: ProfileSummary,
  m: MicroChecks,
): string {
  return (
    `per request the service used ${s.serverCpuMsPerRequest} ms of CPU, the raw baseline ` +
    `${b.serverCpuMsPerRequest} ms (${round2(s.serverCpuMsPerRequest / b.serverCpuMsPerRequest)}×). ` +
    `During the service's run it used ${s.serverCpuPct}% of a core, autocannon ${s.loadGenCpuPct}%, ` +
    (s.postgresCpuPct ? `PostgreSQL ${s.postgresCpuPct}%, ` : '') +
    `other processes on the machine ${s.otherCpuPct}%. Service main thread: ${topOf(ps)}. ` +
    `Baseline main thread: ${topOf(pb, 3)}. ` +
    hotSpots(ps, m)
      .map((h) => `${h}.`)
      .join(' ')
  );
}

export function latencyWhy(s: LoadResult, limitMs: number, oneWriter: boolean): string {
  if (s.littleMeanMs < limitMs) {
    return (
      `the mean is ${s.littleMeanMs} ms (Little's law: ${s.connections} connections / ` +
      `${fmt(s.reqPerSec)} req/s), so the p99 is the tail: requests that waited behind a garbage ` +
      `collection or for the CPU, which the server shared with autocannon (${s.loadGenCpuPct}% ` +
      `of a core) and other processes (${s.otherCpuPct}%)`
    );
  }
  const needed = Math.ceil(s.connections / (limitMs / 1000));
  return (
    `with ${s.connections} connections always waiting, Little's law gives ${s.connections} / ` +
    `${fmt(s.reqPerSec)} req/s = ${s.littleMeanMs} ms mean: the p99 is queueing, not the work of ` +
    `one request. ${oneWriter ? 'Writes run one after another on one connection (SQLite; group commit shares the COMMIT, not the work); ' : ''}` +
    `a mean under ${limitMs} ms at ${s.connections} connections needs > ${fmt(needed)} req/s. Fix: ` +
    `less CPU per request (see the ratio rows), more instances (PostgreSQL), or judge ` +
    `latency at a realistic concurrency (see the lower-concurrency row)`
  );
}

/** The heap cap of `npm start`, used for both servers unless BENCH_*_NODE_ARGS say otherwise. */
export const SERVICE_HEAP_FLAG = '--max-old-space-size=192';

export function memoryWhy(
  afterStartMiB: number,
  service: LoadResult[],
  baseline: LoadResult[],
  _m: MicroChecks,
): string {
  const peaks = (xs: LoadResult[]) => xs.map((r) => r.serverPeakRssMiB).join(' / ');
  return (
    `${afterStartMiB} MiB after start, ${peaks(service)} MiB after the record-deed rounds (the ` +
    `raw baseline under the same load: ${peaks(baseline)} MiB). V8 lets the old space grow with ` +
    `the allocation rate while the machine has free memory; the heap cap the service is started ` +
    `with (${SERVICE_HEAP_FLAG}, as in npm start) bounds it. Fix if still over: a lower cap ` +
    `(BENCH_SERVICE_NODE_ARGS=--max-old-space-size=128) at the price of more frequent GC`
  );
}
