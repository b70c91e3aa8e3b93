/**
 * `npm run bench:logins`: does login hashing stall the service? Record-deed throughput (POST
 * /api/deeds as a cadre, autocannon) alone, then while 10 successful logins a second run
 * against the same service, alternating BENCH_ROUNDS times; the best round of each counts.
 * Target: with logins, at least 80 % of without (argon2id runs on libuv's thread pool, not the
 * event loop). Needs `npm run bench:data` first (BENCH_SCALE=0.02 is enough).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { todayIn } from '../src/common/time';
import {
  BENCH_PASSWORD,
  benchTarget,
  describeTarget,
  freePort,
  RESULTS_DIR,
  ROOT,
  openSessions,
  signToken,
  startNode,
  TIME_ZONE,
} from './common';
import { Missing, openReader, readDistrict } from './district';
import type { AutocannonRequest } from './drivers';
import { load, type LoadResult } from './measure';
import { SERVICE_HEAP_FLAG } from './report';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const LOGINS_PER_SECOND = 10;
const SERVICE = resolve(ROOT, 'dist', 'src', 'main.js');

async function main(): Promise<void> {
  const target = benchTarget();
  const reader = await openReader(target);
  const district = await readDistrict(reader.query).catch((err: unknown) => {
    if (err instanceof Missing) {
      console.error(`No benchmark data in ${describeTarget(target)}: run npm run bench:data`);
      process.exit(2);
    }
    throw err;
  });
  const [vA] = district.villages;
  const secret = randomBytes(32).toString('hex');
  const service = await startNode(
    SERVICE,
    { DATABASE_URL: target.url, JWT_SECRET: secret, NODE_ENV: 'production', LOG_REQUESTS: '0' },
    await freePort(),
    '/api/health',
    120_000,
    [SERVICE_HEAP_FLAG],
  );
  await openSessions(reader.query, target.kind !== 'sqlite', [vA.cadreId]);
  await reader.close();
  const results: { without: LoadResult[]; with: LoadResult[] } = { without: [], with: [] };
  const loginStats = { ok: 0, other: {} as Record<number, number>, ms: [] as number[] };
  try {
    const auth = `Bearer ${signToken(
      {
        sub: vA.cadreId,
        username: vA.cadreName,
        role: 'cadre',
        villageId: vA.id,
        storeId: null,
        villagerId: null,
      },
      secret,
    )}`;
    const ids = district.villagerIds.filter((id) => district.villageOfVillager.get(id) === vA.id);
    let n = 0;
    const deed = (): AutocannonRequest => ({
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        villagerId: ids[n % ids.length],
        ruleId: district.deedRules[n++ % district.deedRules.length],
        occurredOn: todayIn(TIME_ZONE),
        description: '入户走访记录：帮助邻居抢收稻谷',
      }),
    });
    // Ten people a second, not one account ten times: an account's concurrent logins count
    // against each other while they are being checked (reserve, then clear).
    const people = district.villages.filter((v) => v.id !== vA.id).map((v) => v.cadreName);
    let next = 0;
    const login = async (username = people[next++ % people.length]) => {
      const started = performance.now();
      const res = await fetch(`${service.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: BENCH_PASSWORD }),
      });
      await res.arrayBuffer();
      if (res.status === 200) loginStats.ok++;
      else loginStats.other[res.status] = (loginStats.other[res.status] ?? 0) + 1;
      loginStats.ms.push(performance.now() - started);
    };
    // The generated data has bcrypt hashes: a first login upgrades each to argon2id.
    for (const username of people) await login(username);
    loginStats.ok = 0;
    loginStats.ms.length = 0;

    for (let i = 0; i < ROUNDS; i++) {
      results.without.push(
        await load(`record-deed #${i + 1}`, service, '/api/deeds', 'POST', deed),
      );
      const timer = setInterval(() => void login(), 1000 / LOGINS_PER_SECOND);
      try {
        results.with.push(
          await load(
            `record-deed with ${LOGINS_PER_SECOND} logins/s #${i + 1}`,
            service,
            '/api/deeds',
            'POST',
            deed,
          ),
        );
      } finally {
        clearInterval(timer);
      }
    }
  } finally {
    await service.stop();
  }
  const best = (xs: LoadResult[]) => xs.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a));
  const without = best(results.without);
  const withLogins = best(results.with);
  const ratio = withLogins.reqPerSec / without.reqPerSec;
  const sorted = [...loginStats.ms].sort((a, b) => a - b);
  const p = (q: number) => Math.round(sorted[Math.floor(q * (sorted.length - 1))] ?? 0);
  console.log(`\nOn ${describeTarget(target)}:`);
  console.log(
    `  record-deed alone:                 ${without.reqPerSec} req/s, p99 ${without.p99} ms`,
  );
  console.log(
    `  record-deed with ${LOGINS_PER_SECOND} logins/s:      ${withLogins.reqPerSec} req/s, p99 ${withLogins.p99} ms`,
  );
  console.log(
    `  logins: ${loginStats.ok} answered 200, others ${JSON.stringify(loginStats.other)}; p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`,
  );
  console.log(
    `  with / without: ${ratio.toFixed(2)} (target ≥ 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'})`,
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = resolve(
    RESULTS_DIR,
    `logins-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(
    file,
    JSON.stringify({ target: describeTarget(target), results, loginStats, ratio }, null, 2),
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
