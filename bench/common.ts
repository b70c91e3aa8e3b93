/**
 * Plumbing shared by the benchmark scripts: where the synthetic district lives, a seeded random
 * generator, HS256 tokens, a progress line, child processes for the service and the baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root (the scripts run from dist/bench/). */
export const ROOT = resolve(__dirname, '..', '..');
export const DEFAULT_SQLITE_FILE = resolve(ROOT, 'bench', 'data', 'district.sqlite');
export const RESULTS_DIR = resolve(ROOT, 'bench', 'results');
export const TIME_ZONE = process.env.TIME_ZONE || 'Asia/Shanghai';
/** Every generated user's password (bench data only, never a real install). */
export const BENCH_PASSWORD = 'bench-password';

export type Target =
  { kind: 'sqlite'; file: string; url: string } | { kind: 'postgres'; url: string };

/** DATABASE_URL=postgres://… → that database; unset → bench/data/district.sqlite; sqlite:PATH → PATH. */
export function benchTarget(env: NodeJS.ProcessEnv = process.env): Target {
  const url = env.DATABASE_URL?.trim();
  if (url && /^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (url && url.startsWith('sqlite:') && url !== 'sqlite::memory:') {
    const file = resolve(url.slice('sqlite:'.length));
    return { kind: 'sqlite', file, url: `sqlite:${file}` };
  }
  if (url) throw new Error(`DATABASE_URL: expected postgres://… or sqlite:PATH, got ${url}`);
  return { kind: 'sqlite', file: DEFAULT_SQLITE_FILE, url: `sqlite:${DEFAULT_SQLITE_FILE}` };
}

export function describeTarget(t: Target): string {
  return t.kind === 'sqlite' ? `SQLite ${t.file}` : `PostgreSQL ${redact(t.url)}`;
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** mulberry32: small, fast, seedable; the same seed gives the same district. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export interface TokenClaims {
  sub: number;
  /** The session the token names (openSessions makes one per account, its id the account's). */
  sid?: number;
  username: string;
  role: 'admin' | 'cadre' | 'shopkeeper' | 'villager';
  villageId: number | null;
  storeId: number | null;
  villagerId: number | null;
}

/**
 * An HS256 JWT the service accepts (the same claims AuthService.login signs), naming the session
 * `openSessions` opened for the account.
 */
export function signToken(claims: TokenClaims, secret: string, ttlSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(
    JSON.stringify({ sid: claims.sub, ver: 0, ...claims, iat: now, exp: now + ttlSeconds }),
  );
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** The 12 months (YYYY-MM) ending with the month before `today` (YYYY-MM-DD). */
export function lastTwelveMonths(today: string): string[] {
  const [y, m] = today.split('-').map(Number);
  const months: string[] = [];
  for (let back = 12; back >= 1; back--) {
    const d = new Date(Date.UTC(y, m - 1 - back, 1));
    months.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return months;
}

/** One progress line on stderr, redrawn in place at most every 200 ms. */
export class Progress {
  private last = 0;
  private readonly start = Date.now();
  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(done: number, extra = ''): void {
    const now = Date.now();
    if (now - this.last < 200 && done < this.total) return;
    this.last = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 30;
    const filled = Math.round(frac * width);
    const secs = (now - this.start) / 1000;
    const eta = frac > 0 ? (secs / frac - secs).toFixed(0) : '?';
    process.stderr.write(
      `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` +
        `${(frac * 100).toFixed(1).padStart(5)}% ${secs.toFixed(0)}s eta ${eta}s ${extra}\x1b[K`,
    );
  }

  done(extra = ''): void {
    this.last = 0;
    this.update(this.total, extra);
    process.stderr.write('\n');
  }
}

export const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const fmt = (n: number) => n.toLocaleString('en-US');

export interface Child {
  proc: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts a node script as a child process with `env`, waits until GET `readyPath` answers, and
 * keeps the last lines of its output for error messages.
 */
export async function startNode(
  script: string,
  env: Record<string, string>,
  port: number,
  readyPath: string,
  timeoutMs = 120_000,
  nodeArgs: string[] = [],
  logFile?: string,
): Promise<Child> {
  if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build first`);
  const proc = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const file = logFile ? createWriteStream(logFile) : null;
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8000);
    file?.write(chunk);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const child: Child = {
    proc,
    port,
    url,
    output: () => log,
    stop: () =>
      new Promise<void>((done) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return done();
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        proc.kill('SIGTERM');
      }),
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      throw new Error(`${script} exited with ${proc.exitCode}:\n${log}`);
    }
    try {
      const res = await fetch(url + readyPath);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  await child.stop();
  throw new Error(`${script} did not become ready on :${port} in ${timeoutMs / 1000}s:\n${log}`);
}

/** Peak and current resident set size of a process, from /proc (Linux), in MiB. */
export function memoryOf(pid: number): { peakMiB: number; rssMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc (Linux). */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (clock ticks, 100 Hz on Linux)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** CPU seconds used so far by each PostgreSQL process on this machine, by pid. */
export function postgresCpu(): Map<string, number> {
  const byPid = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byPid.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // the process ended meanwhile
    }
  }
  return byPid;
}

/**
 * CPU seconds PostgreSQL used between two snapshots: the server's backends do the database work
 * of a PostgreSQL run (other databases' backends on the same server count too). A backend that
 * ended in between is missed, so this is a lower bound.
 */
export function postgresCpuBetween(before: Map<string, number>, after: Map<string, number>) {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/**
 * Opens one server-side session per account, its id the account's (what `signToken` names), as a
 * login would (src/auth/sessions.ts). Call once the service has migrated the database.
 */
export async function openSessions(
  query: (sql: string, params?: unknown[]) => Promise<unknown[]>,
  pg: boolean,
  userIds: number[],
): Promise<void> {
  const iso = new Date().toISOString();
  // the text each database's driver writes for a timestamp (TypeORM's, on SQLite)
  const now = pg ? iso : iso.replace('T', ' ').replace('Z', '');
  for (const id of userIds) {
    await query(
      `INSERT INTO sessions (id, user_id, created_at, last_seen_at, mfa_pending)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at RETURNING id`,
      [id, id, now, now, pg ? false : 0],
    );
  }
  // later logins take ids after these
  if (pg)
    await query("SELECT setval(pg_get_serial_sequence('sessions', 'id'), MAX(id)) FROM sessions");
}
