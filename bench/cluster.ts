/**
 * `npm run bench:cluster`: three instances of the service on one PostgreSQL database, 300
 * concurrent redemptions and 300 deed records spread across them, then the ledger's and the
 * store's invariants checked with SQL.
 *
 * Creates its own database (next to DATABASE_URL's, or on postgres://postgres@127.0.0.1:5432),
 * seeds a small village set over the API, fires every request at once (round-robin over the
 * instances; some Idempotency-Keys deliberately sent to all three), and drops the database at
 * the end. The points and stock are made scarce on purpose, so that many requests race for the
 * same balance or the same last goods and are refused (409): the invariants must hold anyway.
 * Then measures record-deed throughput on the three instances at once (BENCH_CONNECTIONS split
 * over them, BENCH_DURATION seconds) and prints the combined figure; a run with non-2xx answers
 * is reported as invalid. Exits non-zero if any invariant fails or the run is invalid.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { todayIn } from '../src/common/time';
import { redact, rng, sleep, TIME_ZONE } from './common';
import { autocannon, type AutocannonRequest } from './drivers';
import { startInstances, type Instances } from './instances';

const REDEMPTIONS = 300;
const DEEDS = 300;
/** Keys sent once to each instance, same body: exactly one redemption may come of each. */
const DUPLICATED_KEYS = 15;
const ADMIN_PASSWORD = 'cluster-admin-password';
const PASSWORD = 'Cluster-Pass-1';

interface Reply {
  kind: 'redemption' | 'deed';
  instance: number;
  status: number;
  body: Record<string, unknown>;
  key?: string;
}

async function api(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

/** For seeding: anything but 2xx stops the run. */
async function must(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const r = await api(base, method, path, token, body);
  if (r.status >= 300) {
    throw new Error(`seeding ${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  }
  return r.body;
}

async function main(): Promise<void> {
  const fromEnv = process.env.DATABASE_URL ?? '';
  const base = new URL(
    /^postgres(ql)?:\/\//.test(fromEnv) ? fromEnv : 'postgres://postgres@127.0.0.1:5432/postgres',
  );
  const name = `cp_bench_cluster_${process.pid}_${randomBytes(3).toString('hex')}`;
  const url = new URL(base);
  url.pathname = `/${name}`;
  const admin = new Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  console.log(`Database ${redact(url.toString())} created`);

  let instances: Instances | null = null;
  let failed = true;
  try {
    const secret = randomBytes(32).toString('hex');
    instances = await startInstances(3, {
      DATABASE_URL: url.toString(),
      JWT_SECRET: secret,
      ADMIN_PASSWORD,
      NODE_ENV: 'production',
      LOG_REQUESTS: '0',
      TIME_ZONE,
    });
    const urls = instances.urls;
    console.log(`3 instances: ${urls.join(', ')}`);
    failed = !(await run(urls, url.toString()));
  } catch (err) {
    console.error(`bench:cluster failed: ${err instanceof Error ? err.message : String(err)}`);
    if (instances) console.error(instances.output().slice(-4000));
  } finally {
    if (instances) await instances.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    console.log(`Database ${name} dropped`);
  }
  process.exit(failed ? 1 : 0);
}

/** Seeds, fires the load, checks; true when every invariant holds. */
async function run(urls: string[], dbUrl: string): Promise<boolean> {
  const random = rng(Number(process.env.BENCH_SEED ?? 6));
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const [first] = urls;

  // ── seed, over the API ──────────────────────────────────────────────────────────────────
  const adminToken = String(
    (
      await must(first, 'POST', '/api/auth/login', null, {
        username: 'admin',
        password: ADMIN_PASSWORD,
      })
    ).accessToken,
  );
  const villages: { id: number; villagers: number[]; cadre: string }[] = [];
  for (const code of ['CL1', 'CL2']) {
    const v = await must(first, 'POST', '/api/villages', adminToken, {
      code,
      name: `${code}村`,
      town: '集群镇',
    });
    const id = Number(v.id);
    const villagers: number[] = [];
    for (let i = 0; i < 20; i++) {
      const p = await must(first, 'POST', '/api/villagers', adminToken, {
        villageId: id,
        name: `村民${code}-${i}`,
      });
      villagers.push(Number(p.id));
    }
    await must(first, 'POST', '/api/users', adminToken, {
      username: `cadre-${code}`,
      password: PASSWORD,
      mustChangePassword: false,
      role: 'cadre',
      villageId: id,
    });
    const login = await must(first, 'POST', '/api/auth/login', null, {
      username: `cadre-${code}`,
      password: PASSWORD,
    });
    villages.push({ id, villagers, cadre: String(login.accessToken) });
  }
  const store = await must(first, 'POST', '/api/stores', adminToken, {
    name: '集群积分超市',
    villageIds: villages.map((v) => v.id),
  });
  const storeId = Number(store.id);
  await must(first, 'POST', '/api/users', adminToken, {
    username: 'shop-cluster',
    password: PASSWORD,
    mustChangePassword: false,
    role: 'shopkeeper',
    storeId,
  });
  const shop = String(
    (
      await must(first, 'POST', '/api/auth/login', null, {
        username: 'shop-cluster',
        password: PASSWORD,
      })
    ).accessToken,
  );
  // Scarce stock on purpose: 40 units of the cheap goods for 300 redemptions.
  const goods: { id: number; price: number }[] = [];
  for (const [gName, price, stock] of [
    ['毛巾', 20, 40],
    ['洗衣粉', 30, 500],
    ['食用油', 60, 500],
  ] as const) {
    const g = await must(first, 'POST', `/api/stores/${storeId}/goods`, shop, {
      name: gName,
      pointsPrice: price,
      stock,
    });
    goods.push({ id: Number(g.id), price });
  }
  const rules = (await must(first, 'GET', '/api/rules?pageSize=200', adminToken)).items as {
    id: number;
    code: string;
    points: number;
    maxPerMonth: number | null;
  }[];
  // Positive rules without a cap, and a once-a-month rule of our own for the cap check (made
  // here rather than taken from the catalogue, so the check does not depend on its caps).
  const uncapped = rules.filter((r) => r.points > 0 && r.maxPerMonth === null).map((r) => r.id);
  if (!uncapped.length) throw new Error('no positive rule without a monthly cap in the catalogue');
  const capped = await must(first, 'POST', '/api/rules', adminToken, {
    code: 'CLUSTER-ONCE',
    category: 'kindness',
    title: '集群测试：每月一次',
    points: 5,
    maxPerMonth: 1,
  });
  const opening = await must(first, 'POST', '/api/rules', adminToken, {
    code: 'CLUSTER-OPENING',
    category: 'industry',
    title: '集群测试：开户积分',
    points: 100,
  });
  // Opening balances: two deeds of 100 points per villager, enough for about two redemptions.
  const today = todayIn(TIME_ZONE);
  for (const v of villages) {
    await Promise.all(
      v.villagers.flatMap((villagerId) =>
        [0, 1].map(() =>
          must(first, 'POST', '/api/deeds', v.cadre, {
            villagerId,
            ruleId: opening.id,
            occurredOn: today,
            description: '开户积分',
          }),
        ),
      ),
    );
  }
  console.log(
    `Seeded over the API: 2 villages × 20 villagers (200 points each), 1 store, goods ` +
      goods.map((g) => `#${g.id}@${g.price}`).join(' ') +
      ` (stock 40/500/500)`,
  );

  // ── the load: everything at once, round-robin over the instances ─────────────────────────
  const all = villages.flatMap((v) => v.villagers.map((id) => ({ id, cadre: v.cadre })));
  const jobs: (() => Promise<Reply>)[] = [];
  let turn = 0;
  const redeemBody = () => ({
    villagerId: pick(all).id,
    storeId,
    items: [...goods]
      .sort(() => random() - 0.5)
      .slice(0, 1 + Math.floor(random() * 2))
      .map((g) => ({ goodsId: g.id, quantity: 1 + Math.floor(random() * 2) })),
  });
  const redeemJob = (instance: number, body: unknown, key: string) => async (): Promise<Reply> => {
    const r = await api(urls[instance], 'POST', '/api/redemptions', shop, body, {
      'idempotency-key': key,
    });
    return { kind: 'redemption', instance, key, ...r };
  };
  for (let k = 0; k < DUPLICATED_KEYS; k++) {
    const body = redeemBody();
    const key = `dup-${k}-${randomUUID()}`;
    for (let i = 0; i < urls.length; i++) jobs.push(redeemJob(i, body, key));
  }
  while (jobs.length < REDEMPTIONS)
    jobs.push(redeemJob(turn++ % urls.length, redeemBody(), randomUUID()));
  // Deeds: most uncapped, and 3 attempts at a once-a-month rule for 10 villagers (one may win).
  const capTargets = all.slice(0, 10);
  for (let i = 0; i < DEEDS; i++) {
    const instance = turn++ % urls.length;
    const capAttempt = i < capTargets.length * 3;
    const who = capAttempt ? capTargets[i % capTargets.length] : pick(all);
    const body = {
      villagerId: who.id,
      ruleId: capAttempt ? capped.id : pick(uncapped),
      occurredOn: today,
      description: '集群压测记录',
    };
    jobs.push(async () => ({
      kind: 'deed',
      instance,
      ...(await api(urls[instance], 'POST', '/api/deeds', who.cadre, body)),
    }));
  }
  const t0 = Date.now();
  const settled = await Promise.allSettled(jobs.map((job) => job()));
  const seconds = (Date.now() - t0) / 1000;
  const replies = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const networkErrors = settled.filter((s) => s.status === 'rejected').length;
  console.log(
    `Fired ${jobs.length} requests (${REDEMPTIONS} redemptions incl. ${DUPLICATED_KEYS} keys × 3 instances, ` +
      `${DEEDS} deeds) at once: ${seconds.toFixed(1)} s`,
  );
  for (const kind of ['redemption', 'deed'] as const) {
    const byStatus = new Map<string, number>();
    for (const r of replies.filter((x) => x.kind === kind)) {
      const label =
        r.status >= 400 && typeof r.body.code === 'string'
          ? `${r.status} ${r.body.code}`
          : String(r.status);
      byStatus.set(label, (byStatus.get(label) ?? 0) + 1);
    }
    console.log(`  ${kind}s: ${[...byStatus].map(([s, n]) => `${s} ×${n}`).join(', ')}`);
  }
  const perInstance = urls.map((_, i) => replies.filter((r) => r.instance === i).length);
  console.log(`  per instance: ${perInstance.join(' / ')}`);

  // ── invariants ──────────────────────────────────────────────────────────────────────────
  await sleep(200);
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  const one = async (sql: string) => Number(Object.values((await db.query(sql)).rows[0])[0]);
  const checks: { name: string; ok: boolean; detail: string }[] = [];
  const check = (name: string, bad: number, detail = `${bad} violations`) =>
    checks.push({ name, ok: bad === 0, detail });
  try {
    check(
      'no 5xx and no network error',
      replies.filter((r) => r.status >= 500).length + networkErrors,
    );
    check('no villager balance < 0', await one('SELECT COUNT(*) FROM villagers WHERE balance < 0'));
    check(
      'no debit left a balance < 0',
      await one(
        `SELECT COUNT(*) FROM ledger_entries WHERE kind = 'redemption' AND balance_after < 0`,
      ),
    );
    check('no goods stock < 0', await one('SELECT COUNT(*) FROM goods WHERE stock < 0'));
    check(
      'every villager balance = sum of ledger entries',
      await one(`SELECT COUNT(*) FROM villagers v
                  WHERE v.balance <> (SELECT COALESCE(SUM(delta), 0) FROM ledger_entries e WHERE e.villager_id = v.id)`),
    );
    check(
      'balance_after chains (running sum in id order)',
      await one(`SELECT COUNT(*) FROM (
                   SELECT balance_after, SUM(delta) OVER (PARTITION BY villager_id ORDER BY id) AS running
                     FROM ledger_entries) x WHERE running <> balance_after`),
    );
    check(
      'stock = sum of stock movements',
      await one(`SELECT COUNT(*) FROM goods g
                  WHERE g.stock <> (SELECT COALESCE(SUM(delta), 0) FROM stock_movements m WHERE m.goods_id = g.id)`),
    );
    check(
      'one redemption per idempotency key',
      await one(`SELECT COUNT(*) FROM (SELECT 1 FROM redemptions WHERE idempotency_key IS NOT NULL
                   GROUP BY store_id, idempotency_key HAVING COUNT(*) > 1) x`),
    );
    check(
      'one debit per redemption, for its total',
      await one(`SELECT COUNT(*) FROM redemptions r
                  WHERE (SELECT COUNT(*) FROM ledger_entries e WHERE e.redemption_id = r.id AND e.kind = 'redemption') <> 1
                     OR (SELECT SUM(delta) FROM ledger_entries e WHERE e.redemption_id = r.id AND e.kind = 'redemption') <> -r.total`),
    );
    check(
      'stock taken = quantities redeemed',
      await one(`SELECT COUNT(*) FROM redemption_items i
                  WHERE -i.quantity <> (SELECT COALESCE(SUM(delta), 0) FROM stock_movements m
                                         WHERE m.redemption_id = i.redemption_id AND m.goods_id = i.goods_id)`),
    );
    const dup = replies.filter((r) => r.kind === 'redemption' && r.key?.startsWith('dup-'));
    const idsByKey = new Map<string, Set<unknown>>();
    for (const r of dup.filter((x) => x.status < 300)) {
      idsByKey.set(r.key!, (idsByKey.get(r.key!) ?? new Set()).add(r.body.id));
    }
    check(
      'duplicate keys: every 2xx reply names the same redemption',
      [...idsByKey.values()].filter((ids) => ids.size !== 1).length,
      `${idsByKey.size} of ${DUPLICATED_KEYS} keys redeemed, ` +
        `${[...idsByKey.values()].filter((ids) => ids.size !== 1).length} with differing ids`,
    );
    const okRedemptionIds = new Set(
      replies.filter((r) => r.kind === 'redemption' && r.status < 300).map((r) => r.body.id),
    );
    const storedRedemptions = await one(
      `SELECT COUNT(*) FROM redemptions WHERE status = 'completed'`,
    );
    check(
      'redemptions stored = distinct redemptions answered 2xx',
      Math.abs(storedRedemptions - okRedemptionIds.size),
      `${storedRedemptions} stored, ${okRedemptionIds.size} answered`,
    );
    const okDeeds = replies.filter((r) => r.kind === 'deed' && r.status < 300).length;
    const storedDeeds = await one(`SELECT COUNT(*) FROM deeds WHERE description = '集群压测记录'`);
    check(
      'deeds stored = deeds answered 2xx',
      Math.abs(storedDeeds - okDeeds),
      `${storedDeeds} stored, ${okDeeds} answered`,
    );
    check(
      'monthly cap held (≤ 1 approved once-a-month deed per villager)',
      await one(`SELECT COUNT(*) FROM (SELECT 1 FROM deeds WHERE rule_id = ${Number(capped.id)}
                   AND status = 'approved' GROUP BY villager_id, month HAVING COUNT(*) > 1) x`),
    );
  } finally {
    await db.end();
  }
  console.log('\nInvariants:');
  for (const c of checks) console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name} (${c.detail})`);
  const ok = checks.every((c) => c.ok);
  console.log(ok ? '\nAll invariants hold.' : '\nSome invariants FAILED.');

  // ── throughput: record-deed on the three instances at once ───────────────────────────────
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
  const duration = Number(process.env.BENCH_DURATION ?? 10);
  const perInstanceConnections = Math.max(1, Math.round(connections / urls.length));
  const deedLoad = (url: string, seconds: number) => {
    let n = 0;
    return autocannon({
      url,
      connections: perInstanceConnections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/api/deeds',
          setupRequest: (req: AutocannonRequest) => {
            const who = all[n++ % all.length];
            return {
              ...req,
              headers: { authorization: `Bearer ${who.cadre}`, 'content-type': 'application/json' },
              body: JSON.stringify({
                villagerId: who.id,
                ruleId: uncapped[n % uncapped.length],
                occurredOn: today,
                description: '集群吞吐记录',
              }),
            };
          },
        },
      ],
    });
  };
  await Promise.all(urls.map((u) => deedLoad(u, 3))); // warm-up
  const results = await Promise.all(urls.map((u) => deedLoad(u, duration)));
  const combined = results.reduce((sum, r) => sum + r.requests.average, 0);
  const non2xx = results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0);
  console.log(
    `\nRecord-deed on the 3 instances at once (${perInstanceConnections} connections each, ` +
      `${duration} s): ${Math.round(combined)} req/s combined ` +
      `(${results.map((r) => Math.round(r.requests.average)).join(' + ')}), p99 ` +
      `${results.map((r) => r.latency.p99).join(' / ')} ms` +
      (non2xx ? ` — INVALID: ${non2xx} non-2xx answers or errors` : ', every answer 2xx') +
      `; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
  return ok && non2xx === 0;
}

main().catch((err) => {
  console.error(`bench:cluster failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
