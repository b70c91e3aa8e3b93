import { spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Several copies of the built service (`node dist/src/main.js`, run from a private copy of dist/)
 * as separate processes against one database: what a deployment behind a load balancer looks
 * like. Needs `nest build` first (`npm run test:pg` does it).
 */
export interface Instances {
  /** Base URLs, e.g. http://127.0.0.1:41234 (no /api). */
  urls: string[];
  /** Everything the processes printed, for a failing test's message. */
  output(): string;
  /** kill -9 every instance (no shutdown of any kind); stop() still cleans up after. */
  kill(): void;
  stop(): Promise<void>;
}

export interface InstanceEnv {
  DATABASE_URL: string;
  JWT_SECRET: string;
  ADMIN_PASSWORD: string;
  [name: string]: string;
}

const ROOT = resolve(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

/**
 * Refuses a missing or stale build, which would otherwise test yesterday's code. Only the folders
 * the multi-process proofs exercise are compared, so an unrelated edit elsewhere does not fail it.
 */
export function assertBuildIsFresh(
  dirs = ['src/store', 'src/ledger', 'src/db', 'src/common'],
): void {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: run "npx nest build" first (npm run test:pg does)`);
  }
  const built = statSync(MAIN).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  const stale = dirs.find((dir) => newest(join(ROOT, dir)) > built);
  if (stale) {
    throw new Error(
      `dist/ is older than ${stale}/: run "npx nest build" first (npm run test:pg does)`,
    );
  }
}

/**
 * A private copy of dist/ to run from: several people build in this tree, and `nest build`
 * empties dist/ first, which would pull the code from under running instances.
 */
function snapshotBuild(): { main: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cp-instances-'));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return {
    main: join(dir, 'dist', 'src', 'main.js'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Waits until the instance says which port it listens on (it is started with PORT=0, so the OS
 * picks one as it binds: a port picked beforehand and handed over could be taken in between by
 * another test file's server, whose answers then came back as this instance's) and answers GET
 * /api/health there.
 */
async function waitForListening(
  child: ChildProcess,
  portOf: () => string | undefined,
  log: () => string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`instance exited with ${child.exitCode}:\n${log()}`);
    }
    const port = portOf();
    if (port) {
      const url = `http://127.0.0.1:${port}`;
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return url;
      throw new Error(`instance ${url} answered /api/health with ${res.status}:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance not listening after ${timeoutMs} ms:\n${log()}`);
}

/**
 * Starts `count` instances at once and waits until each answers GET /api/health. On an empty
 * database they race to migrate and to create `admin`: the migration advisory lock and the
 * conflict-ignoring insert are what this exercises.
 */
export async function startInstances(
  count: number,
  env: InstanceEnv,
  opts: { timeoutMs?: number } = {},
): Promise<Instances> {
  assertBuildIsFresh();
  const build = snapshotBuild();
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  const logs: string[] = [];
  const output = () => logs.join('');

  const startOne = async (i: number) => {
    const child = spawn(process.execPath, [build.main], {
      cwd: ROOT,
      // Five connections a pool (two pools an instance): three instances and the other test files
      // running meanwhile stay under PostgreSQL's default max_connections (100), where ten
      // reached it and an instance answered 500 ("sorry, too many clients already").
      env: {
        ...process.env,
        DB_POOL_SIZE: '5',
        ...env,
        PORT: '0',
        LOG_REQUESTS: '0',
        NODE_ENV: 'test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const tag = `[instance ${i}] `;
    // the output up to the "listening on :N" line, read once for its port
    let start = '';
    let port: string | undefined;
    child.stdout!.on('data', (d: Buffer) => {
      const text = d.toString();
      logs.push(tag + text);
      if (port !== undefined) return;
      start += text;
      port = /listening on :(\d+)/.exec(start)?.[1];
    });
    child.stderr!.on('data', (d: Buffer) => logs.push(tag + d.toString()));
    urls[i] = await waitForListening(child, () => port, output, opts.timeoutMs ?? 30_000);
  };

  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    build.remove();
  };

  try {
    await Promise.all(Array.from({ length: count }, (_, i) => startOne(i)));
  } catch (err) {
    await stop();
    throw err;
  }
  const kill = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  return { urls, output, kill, stop };
}

/** An instance's answer: its status and its JSON body ({} when empty). */
export interface Answer {
  status: number;
  body: { id?: number; code?: string; [k: string]: unknown };
}

/** One HTTP call to an instance (`url` without /api), as a deployment's clients make it. */
export async function call(
  url: string,
  method: string,
  path: string,
  token: string | null,
  body?: object,
  key?: string,
): Promise<Answer> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (key !== undefined) headers['Idempotency-Key'] = key;
  const res = await fetch(`${url}/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** The body of an answer of the expected status; else the test fails with what came. */
export async function ok(answer: Promise<Answer>, status: number): Promise<Answer['body']> {
  const a = await answer;
  if (a.status !== status)
    throw new Error(`expected ${status}, got ${a.status}: ${JSON.stringify(a.body)}`);
  return a.body;
}
