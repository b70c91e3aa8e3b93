/**
 * `npm run bench:web`: the web app on a slow phone network.
 *
 * Reports the built bundle (every file of dist/web with its raw, gzip and brotli size), starts the
 * built service on a fresh SQLite file with a published board, and loads the login screen and
 * the board, and the cadre's home signed in, in Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) at 360×740 under the
 * DevTools "Slow 4G" profile (Network.emulateNetworkConditions: 562.5 ms latency, 180 kB/s down,
 * 84 kB/s up), cold cache, then again with a warm cache. For each: the JavaScript + CSS bytes on
 * the wire and the time until the screen is usable (the 登录 button, the 红榜 heading, the
 * village's name and the villager search). Prints a
 * table and writes bench/results/web-<time>.json. Env: BENCH_WEB_RUNS (default 3; the median).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ROOT = resolve(__dirname, '../..');
const WEB = join(ROOT, 'dist/web');
const PORT = Number(process.env.BENCH_WEB_PORT ?? 3211);
const BASE = `http://127.0.0.1:${PORT}`;
const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 3);
const ADMIN_PASSWORD = 'bench-admin-password';
const SLOW_4G = {
  offline: false,
  latency: 562.5,
  downloadThroughput: 180_000,
  uploadThroughput: 84_375,
};
const LOGIN_BUDGET = 150 * 1024;
/** The cadre's home (docs/product.md, "Screens"): JS + CSS within 150 kB compressed. */
const CADRE_BUDGET = 150 * 1024;
/**
 * The district's dashboard (/district), the one screen with charts: its own budget, since
 * ECharts (line + bar, canvas) alone is ~160 kB compressed; no other screen loads it.
 */
const DISTRICT_BUDGET = 300 * 1024;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function bundle() {
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return null;
    }
  };
  return walk(WEB)
    .filter((p) => !/\.(gz|br)$/.test(p))
    .map((p) => ({
      file: relative(WEB, p),
      raw: statSync(p).size,
      gzip: size(`${p}.gz`),
      brotli: size(`${p}.br`),
    }))
    .sort((a, b) => b.raw - a.raw);
}

async function api(path: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(BASE + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body ?? {}),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A village with a published month: 20 villagers, one deed each, one deduction in five. */
async function seed(): Promise<string> {
  const admin = (await api('/api/auth/login', { username: 'admin', password: ADMIN_PASSWORD }))
    .accessToken;
  const village = await api(
    '/api/villages',
    { code: 'BENCH-1', name: '石井村', town: '杉山镇' },
    admin,
  );
  await api(
    '/api/users',
    {
      username: 'bench_cadre',
      password: 'Bench-Cadre-1',
      mustChangePassword: false,
      role: 'cadre',
      villageId: village.id,
    },
    admin,
  );
  const cadre = (
    await api('/api/auth/login', { username: 'bench_cadre', password: 'Bench-Cadre-1' })
  ).accessToken;
  const rules: any = await (
    await fetch(`${BASE}/api/rules?pageSize=200`, { headers: { authorization: `Bearer ${cadre}` } })
  ).json();
  const merit =
    rules.items.filter((r: any) => r.points > 0 && r.maxPerMonth === null)[0] ??
    rules.items.find((r: any) => r.points > 0);
  const minus = rules.items.find((r: any) => r.points < 0);
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  for (let i = 0; i < 20; i++) {
    const v = await api('/api/villagers', { name: `村民${i + 1}` }, cadre);
    const rule = i % 5 === 4 ? minus : merit;
    await api(
      '/api/deeds',
      {
        villagerId: v.id,
        ruleId: rule.id,
        occurredOn: today,
        description: rule.title,
        evidence: '现场所见',
      },
      cadre,
    );
  }
  await api(`/api/villages/${village.id}/evaluations/${today.slice(0, 7)}/publish`, {}, cadre);
  return '/board/BENCH-1';
}

interface Load {
  ms: number;
  jsCssBytes: number;
  totalBytes: number;
  requests: number;
}

async function load(page: Page, path: string, ready: () => Promise<unknown>): Promise<Load> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
  const types = new Map<string, string>();
  let jsCssBytes = 0;
  let totalBytes = 0;
  let requests = 0;
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.type));
  cdp.on('Network.loadingFinished', (e) => {
    requests++;
    totalBytes += e.encodedDataLength;
    const type = types.get(e.requestId);
    if (type === 'Script' || type === 'Stylesheet') jsCssBytes += e.encodedDataLength;
  });
  const start = Date.now();
  await page.goto(BASE + path, { waitUntil: 'commit' });
  await ready();
  const ms = Date.now() - start;
  await page.waitForLoadState('networkidle');
  await cdp.detach();
  return { ms, jsCssBytes, totalBytes, requests };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const files = bundle();
  const db = join(tmpdir(), `civility-bench-web-${process.pid}.sqlite`);
  const server = spawn(process.execPath, ['--max-old-space-size=192', 'dist/src/main.js'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(PORT),
      DATABASE_URL: `sqlite:${db}`,
      ADMIN_PASSWORD,
      NODE_ENV: 'production',
      JWT_SECRET: 'bench-web-secret-bench-web-secret-1234',
      LOG_REQUESTS: '0',
    },
    stdio: 'ignore',
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    for (let i = 0; ; i++) {
      if (i > 120) throw new Error('the service did not start');
      if (
        await fetch(`${BASE}/api/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const boardPath = await seed();
    const screens = [
      {
        name: 'login',
        path: '/login',
        ready: (p: Page) => p.getByRole('button', { name: '登录' }).waitFor(),
      },
      {
        name: 'board',
        path: boardPath,
        ready: (p: Page) => p.getByRole('heading', { name: '红榜' }).waitFor(),
      },
      {
        // signed in (the session cookie), usable once the village's name and search are there
        name: 'cadre',
        path: '/cadre',
        signIn: (c: BrowserContext) =>
          c.request.post(`${BASE}/api/auth/login`, {
            data: { username: 'bench_cadre', password: 'Bench-Cadre-1' },
          }),
        ready: async (p: Page) => {
          await p.getByRole('heading', { name: '石井村' }).waitFor();
          await p.getByRole('searchbox', { name: '找村民' }).waitFor();
        },
      },
      {
        // the admin's dashboard, usable once the village's row and the charts are drawn
        name: 'district',
        path: '/district',
        signIn: (c: BrowserContext) =>
          c.request.post(`${BASE}/api/auth/login`, {
            data: { username: 'admin', password: ADMIN_PASSWORD },
          }),
        ready: async (p: Page) => {
          await p.getByText('石井村').first().waitFor();
          await p.locator('canvas').first().waitFor();
        },
      },
    ];
    const results: Record<string, { cold: Load; warm: Load }> = {};
    for (const s of screens) {
      const cold: Load[] = [];
      const warm: Load[] = [];
      for (let r = 0; r < RUNS; r++) {
        const context = await browser.newContext({
          viewport: { width: 360, height: 740 },
          deviceScaleFactor: 2,
          isMobile: true,
          hasTouch: true,
          locale: 'zh-CN',
          timezoneId: 'Asia/Shanghai',
        });
        if ('signIn' in s && s.signIn) await s.signIn(context);
        const page = await context.newPage();
        cold.push(await load(page, s.path, () => s.ready(page)));
        warm.push(await load(page, s.path, () => s.ready(page)));
        await context.close();
      }
      const pick = (xs: Load[]) => xs.find((x) => x.ms === median(xs.map((y) => y.ms)))!;
      results[s.name] = { cold: pick(cold), warm: pick(warm) };
    }

    const kb = (n: number | null) => (n === null ? '-' : `${(n / 1024).toFixed(1)} kB`);
    console.log('\nBundle (dist/web):');
    console.log('file'.padEnd(44), 'raw'.padStart(10), 'gzip'.padStart(10), 'brotli'.padStart(10));
    for (const f of files) {
      console.log(
        f.file.padEnd(44),
        kb(f.raw).padStart(10),
        kb(f.gzip).padStart(10),
        kb(f.brotli).padStart(10),
      );
    }
    const sum = (k: 'raw' | 'gzip' | 'brotli') =>
      files.filter((f) => /\.(js|css)$/.test(f.file)).reduce((a, f) => a + (f[k] ?? 0), 0);
    console.log(
      'all JS + CSS'.padEnd(44),
      kb(sum('raw')).padStart(10),
      kb(sum('gzip')).padStart(10),
      kb(sum('brotli')).padStart(10),
    );

    console.log(
      `\nChromium, 360×740, Slow 4G (${SLOW_4G.latency} ms, ${SLOW_4G.downloadThroughput / 1000} kB/s down), median of ${RUNS}:`,
    );
    console.log(
      'screen'.padEnd(8),
      'cache'.padEnd(6),
      'usable after'.padStart(13),
      'JS+CSS on wire'.padStart(15),
      'all bytes'.padStart(11),
      'requests'.padStart(9),
    );
    for (const [name, r] of Object.entries(results)) {
      for (const [cache, l] of Object.entries(r)) {
        console.log(
          name.padEnd(8),
          cache.padEnd(6),
          `${l.ms} ms`.padStart(13),
          kb(l.jsCssBytes).padStart(15),
          kb(l.totalBytes).padStart(11),
          String(l.requests).padStart(9),
        );
      }
    }
    const loginJsCss = results.login.cold.jsCssBytes;
    const cadreJsCss = results.cadre.cold.jsCssBytes;
    const districtJsCss = results.district.cold.jsCssBytes;
    const met =
      loginJsCss <= LOGIN_BUDGET && cadreJsCss <= CADRE_BUDGET && districtJsCss <= DISTRICT_BUDGET;
    console.log(
      `\nLogin screen JS + CSS: ${kb(loginJsCss)} compressed (budget ${kb(LOGIN_BUDGET)}): ${loginJsCss <= LOGIN_BUDGET ? 'met' : 'MISSED'}`,
    );
    console.log(
      `Cadre home JS + CSS: ${kb(cadreJsCss)} compressed (budget ${kb(CADRE_BUDGET)}): ${cadreJsCss <= CADRE_BUDGET ? 'met' : 'MISSED'}; usable after ${results.cadre.cold.ms} ms cold, ${results.cadre.warm.ms} ms warm`,
    );

    console.log(
      `District dashboard JS + CSS: ${kb(districtJsCss)} compressed (its own budget ${kb(DISTRICT_BUDGET)}): ${districtJsCss <= DISTRICT_BUDGET ? 'met' : 'MISSED'}; usable after ${results.district.cold.ms} ms cold, ${results.district.warm.ms} ms warm`,
    );

    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const out = join(
      ROOT,
      `bench/results/web-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    );
    writeFileSync(
      out,
      JSON.stringify(
        {
          network: SLOW_4G,
          runs: RUNS,
          files,
          results,
          loginBudget: LOGIN_BUDGET,
          cadreBudget: CADRE_BUDGET,
          districtBudget: DISTRICT_BUDGET,
          met,
        },
        null,
        2,
      ),
    );
    console.log(`Wrote ${relative(ROOT, out)}`);
    if (!met) process.exitCode = 1;
  } finally {
    await browser.close();
    server.kill();
    for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
