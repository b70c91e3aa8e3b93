/**
 * `npm run bench`: the service against the synthetic district from `npm run bench:data`.
 *
 * Starts the built service (node dist/src/main.js, NODE_ENV=production, request logging off) and
 * the raw baseline (bench/raw-baseline.ts) as child processes and measures, with autocannon on
 * 127.0.0.1:
 *   - record-deed (POST /api/deeds as a cadre; 32 connections, 10 s), service and baseline,
 *     alternately BENCH_ROUNDS times (at least 3), the median round of each with the spread, and
 *     the median of the per-round ratios;
 *   - redemption (POST /api/redemptions as shopkeepers, a fresh Idempotency-Key each), the same;
 *   - points-history reads (GET /api/villagers/:id/points, random villagers of the district, as
 *     their village's cadre) at 32 connections and at a lower concurrency;
 *   - one village's monthly evaluation and the whole district's month, one village after another;
 *   - the server's peak RSS (VmHWM).
 * Each load run has a 3 s warm-up. CPU time of the server, of this process (autocannon) and of
 * the machine is read from /proc around each run, and the server's main thread is profiled for a
 * few seconds per kind of request, so that a missed target comes with its measured reasons.
 * SQLite only: the database file is read once first, and again before each phase, so that it
 * sits in the OS page cache, as it would on a server with the RAM to hold it (this VM reclaims
 * cold file pages during a run; BENCH_PREWARM=0 to skip).
 *
 * Prints a table and writes bench/results/bench-<time>.json (+ the servers' logs).
 * Env: DATABASE_URL (as for bench:data), BENCH_DURATION (s), BENCH_CONNECTIONS, BENCH_ROUNDS,
 * BENCH_LOW_CONNECTIONS (default 4), BENCH_PREWARM=0, and for experiments BENCH_SERVICE_NODE_ARGS /
 * BENCH_BASELINE_NODE_ARGS (extra node options, e.g. --max-old-space-size=160 or -r hook.js).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { todayIn } from '../src/common/time';
import {
  benchTarget,
  cpuSecondsOf,
  describeTarget,
  fmt,
  freePort,
  lastTwelveMonths,
  memoryOf,
  postgresCpu,
  postgresCpuBetween,
  RESULTS_DIR,
  ROOT,
  openSessions,
  signToken,
  startNode,
  TIME_ZONE,
  type Child,
} from './common';
import {
  Missing,
  openReader,
  pageCacheResidency,
  prewarm,
  readDistrict,
  type District,
  type Reader,
} from './district';
import { autocannon, type AutocannonRequest } from './drivers';
import type { ProfileSummary } from './profile';
import {
  compared,
  CONNECTIONS,
  DURATION,
  load,
  median,
  profiled,
  round2,
  timed,
  WARMUP,
  type Comparison,
  type LoadResult,
} from './measure';
import {
  hotSpots,
  memoryWhy,
  latencyWhy,
  microChecks,
  ratioText,
  SERVICE_HEAP_FLAG,
  topOf,
  writeWhy,
  type Row,
} from './report';

const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3));
const LOW_CONNECTIONS = Number(process.env.BENCH_LOW_CONNECTIONS ?? 4);
const PROFILE_SECONDS = 5;
const SERVICE = resolve(ROOT, 'dist', 'src', 'main.js');
const BASELINE = resolve(ROOT, 'dist', 'bench', 'raw-baseline.js');
const PROFILE_HOOK = resolve(ROOT, 'dist', 'bench', 'profile-hook.js');
const nodeArgs = (value: string | undefined) => (value ?? '').split(' ').filter(Boolean);
/** Extra node options for an experiment, e.g. --max-old-space-size=160 or -r ./some-hook.js. */
const SERVICE_NODE_ARGS = nodeArgs(process.env.BENCH_SERVICE_NODE_ARGS ?? SERVICE_HEAP_FLAG);
const BASELINE_NODE_ARGS = nodeArgs(process.env.BENCH_BASELINE_NODE_ARGS ?? SERVICE_HEAP_FLAG);

async function main(): Promise<void> {
  const target = benchTarget();
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  let reader: Reader;
  let district: District;
  try {
    reader = await openReader(target);
    district = await readDistrict(reader.query);
  } catch (err) {
    if (err instanceof Missing) {
      console.error(
        `No benchmark data in ${describeTarget(target)} (${err.message}).\n` +
          `Generate it first: npm run bench:data (same DATABASE_URL; BENCH_SCALE=0.02 for a quick one).`,
      );
      process.exit(2);
    }
    throw err;
  }
  const lastMonth = lastTwelveMonths(todayIn(TIME_ZONE))[11];
  const { villages } = district;
  // Two villages of the middle: one for the service's writes, one for the baseline's.
  const vA = villages[Math.floor(villages.length / 2)];
  const vB = villages[Math.floor(villages.length / 2) - 1];
  /**
   * Villages split into 2 × ROUNDS + 2 groups, one per side and round (+ the profiles), so that
   * no round writes where an earlier one did. A small district has fewer villages than groups:
   * groups then share villages, and later rounds start from a state the earlier ones changed
   * (said at the start of the run).
   */
  const GROUPS = 2 * ROUNDS + 2;
  const groupFor = (group: number) => {
    const members = villages.filter((_, i) => i % GROUPS === group % GROUPS);
    return members.length ? members : [villages[group % villages.length]];
  };
  const writeVillage = (side: 'service' | 'baseline', round: number) =>
    groupFor(2 * round + (side === 'service' ? 0 : 1))[0].id;
  console.log(
    `Benchmark on ${describeTarget(target)}: ${villages.length} villages, ` +
      `${fmt(district.villagerIds.length)} villagers, ${fmt(district.ledgerEntries)} ledger entries`,
  );
  console.log(
    `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; load average ` +
      `${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
  if (villages.length < GROUPS) {
    console.log(
      `Only ${villages.length} villages for ${GROUPS} groups: rounds share villages, so a later ` +
        `round starts from what an earlier one spent (a full district has 150).`,
    );
  }
  /**
   * SQLite: the database file's share in the OS page cache before and after reading it once, at
   * the start and again before each phase — this VM reclaims cold file pages while a run goes on
   * (59 % of the file was left after one run), and a phase that read from disk would measure the
   * disk, not the service.
   */
  const pageCache: Record<string, { before: number | null; after: number | null }> = {};
  const warm = (phase: string) => {
    if (target.kind !== 'sqlite') return;
    const before = pageCacheResidency(target.file);
    if (process.env.BENCH_PREWARM !== '0') prewarm(target.file);
    const after = pageCacheResidency(target.file);
    pageCache[phase] = { before, after };
    console.log(
      `Database file in the OS page cache: ${before ?? '?'}% → ${after ?? '?'}%` +
        (process.env.BENCH_PREWARM === '0' ? ' (not prewarmed)' : ' (read once to warm it)'),
    );
  };
  warm('start');

  const secret = randomBytes(32).toString('hex');
  const env = {
    DATABASE_URL: target.url,
    JWT_SECRET: secret,
    NODE_ENV: 'production',
    LOG_REQUESTS: '0',
    TIME_ZONE,
  };
  const cadreToken = new Map(
    villages.map((v) => [
      v.id,
      signToken(
        {
          sub: v.cadreId,
          username: v.cadreName,
          role: 'cadre',
          villageId: v.id,
          storeId: null,
          villagerId: null,
        },
        secret,
      ),
    ]),
  );
  const shopToken = (villageId: number) => {
    const s = district.stores.get(villageId)!;
    return signToken(
      {
        sub: s.shopkeeperId,
        username: s.shopkeeperName,
        role: 'shopkeeper',
        villageId: null,
        storeId: s.storeId,
        villagerId: null,
      },
      secret,
    );
  };
  const villagersOf = (villageId: number) =>
    [...district.villagerIds].filter((id) => district.villageOfVillager.get(id) === villageId);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const profileDir = mkdtempSync(join(tmpdir(), 'cp-bench-profile-'));
  const serviceProfile = join(profileDir, 'service.cpuprofile');
  const baselineProfile = join(profileDir, 'baseline.cpuprofile');
  const service = await startNode(
    SERVICE,
    { ...env, BENCH_PROFILE_FILE: serviceProfile },
    await freePort(),
    '/api/health',
    120_000,
    ['-r', PROFILE_HOOK, ...SERVICE_NODE_ARGS],
    resolve(RESULTS_DIR, `bench-${stamp}-service.log`),
  );
  const [admin] = (await reader.query("SELECT id FROM users WHERE username = 'admin'")) as {
    id: number;
  }[];
  const adminToken = signToken(
    {
      sub: Number(admin.id),
      username: 'admin',
      role: 'admin',
      villageId: null,
      storeId: null,
      villagerId: null,
    },
    secret,
  );
  await openSessions(reader.query, target.kind !== 'sqlite', [
    Number(admin.id),
    ...villages.map((v) => v.cadreId),
    ...[...district.stores.values()].map((s) => s.shopkeeperId),
  ]);
  const rssAfterStart = memoryOf(service.proc.pid!);
  const results: Record<string, unknown> = {};
  const rows: Row[] = [];
  let baseline: Child | null = null;
  try {
    baseline = await startNode(
      BASELINE,
      { ...env, BENCH_PROFILE_FILE: baselineProfile },
      await freePort(),
      '/api/health',
      30_000,
      ['-r', PROFILE_HOOK, ...BASELINE_NODE_ARGS],
      resolve(RESULTS_DIR, `bench-${stamp}-baseline.log`),
    );
    const base = baseline;

    /**
     * Service and baseline alternately, ROUNDS times each. Each round builds its requests
     * afresh for villages no earlier round wrote to (`groupFor`), so every round starts from
     * the same state: the generated balances, nothing spent by an earlier round. A round with
     * any non-2xx answer, error or timeout is invalid, and so is the comparison: it is printed
     * but not compared. The median round of each side is reported, with the spread.
     */
    const pair = async (
      path: string,
      forService: (round: number) => Promise<() => AutocannonRequest>,
      forBaseline: (round: number) => Promise<() => AutocannonRequest>,
    ) => {
      const rounds = { service: [] as LoadResult[], baseline: [] as LoadResult[] };
      for (let i = 0; i < ROUNDS; i++) {
        rounds.service.push(
          await load(`service #${i + 1}`, service, path, 'POST', await forService(i)),
        );
        rounds.baseline.push(
          await load(`raw baseline #${i + 1}`, base, path, 'POST', await forBaseline(i)),
        );
      }
      return compared(rounds);
    };

    /** A few seconds of one kind of write, for a profile. */
    const shortRun = (child: Child, path: string, next: () => AutocannonRequest) => () =>
      autocannon({
        url: child.url,
        connections: CONNECTIONS,
        duration: PROFILE_SECONDS,
        requests: [
          {
            method: 'POST',
            path,
            setupRequest: (req: AutocannonRequest) => ({ ...req, ...next() }),
          },
        ],
      });

    // ── record-deed ─────────────────────────────────────────────────────────────────────
    console.log('Record-deed (POST /api/deeds, a cadre):');
    const deedRequest = (villageId: number) => {
      const ids = villagersOf(villageId);
      const auth = `Bearer ${cadreToken.get(villageId)}`;
      const today = todayIn(TIME_ZONE);
      let n = 0;
      return (): AutocannonRequest => ({
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          villagerId: ids[Math.floor(Math.random() * ids.length)],
          ruleId: district.deedRules[n++ % district.deedRules.length],
          occurredOn: today,
          description: '入户走访记录：帮助邻居抢收稻谷',
        }),
      });
    };
    // The service writes to one village, the baseline to another: the same work; each round
    // (and each side) a village of its own.
    const deeds = await pair(
      '/api/deeds',
      async (round) => deedRequest(writeVillage('service', round)),
      async (round) => deedRequest(writeVillage('baseline', round)),
    );

    // ── record-deed, one villager ───────────────────────────────────────────────────────
    // A village office's evening of 集中登记: every connection records for the same villager of
    // one village, a small body; each side and round a villager of its own. Rows locked on the
    // one villager serialize the writes on both sides: what differs is the CPU around them.
    console.log('Record-deed, one villager (POST /api/deeds, a small body, one villager):');
    const oneVillagerRequest = (villageId: number) => {
      const villagerId = villagersOf(villageId)[0];
      const auth = `Bearer ${cadreToken.get(villageId)}`;
      const body = JSON.stringify({
        villagerId,
        ruleId: district.deedRules[0],
        occurredOn: todayIn(TIME_ZONE),
        description: '打扫村道',
      });
      return (): AutocannonRequest => ({
        headers: { authorization: auth, 'content-type': 'application/json' },
        body,
      });
    };
    const oneVillager = await pair(
      '/api/deeds',
      async (round) => oneVillagerRequest(writeVillage('service', round)),
      async (round) => oneVillagerRequest(writeVillage('baseline', round)),
    );
    const oneVillagerProfile = {
      service: await profiled(
        service,
        serviceProfile,
        shortRun(service, '/api/deeds', oneVillagerRequest(groupFor(2 * ROUNDS)[0].id)),
      ),
      baseline: await profiled(
        base,
        baselineProfile,
        shortRun(base, '/api/deeds', oneVillagerRequest(groupFor(2 * ROUNDS + 1)[0].id)),
      ),
    };
    console.log(`  one villager, service:  ${topOf(oneVillagerProfile.service, 8)}`);
    console.log(`  one villager, baseline: ${topOf(oneVillagerProfile.baseline, 5)}`);
    if (process.env.BENCH_ONLY === 'one-villager') {
      const c = oneVillager;
      console.log(
        `  service ${fmt(c.service.reqPerSec)} req/s p99 ${c.service.p99} ms ` +
          `(${c.service.serverCpuMsPerRequest} ms CPU/request); baseline ${fmt(c.baseline.reqPerSec)} ` +
          `req/s p99 ${c.baseline.p99} ms (${c.baseline.serverCpuMsPerRequest} ms CPU/request); ` +
          `throughput ${c.ratio}× (${c.spread.ratio[0]}–${c.spread.ratio[1]}×), p99 ` +
          `${round2(c.service.p99 / c.baseline.p99)}× the baseline's`,
      );
      return;
    }

    // ── redemption ──────────────────────────────────────────────────────────────────────
    warm('redemption');
    console.log('Redemption (POST /api/redemptions, one goods, a fresh Idempotency-Key each):');
    // Requests rotate over several villages' stores (a shopkeeper each) so that the points last
    // through every round; the budget is tracked here so that no request is refused for lack of
    // points (a refusal is a cheaper, different request).
    const redemptionRequest = async (villageIds: number[]) => {
      const shops: {
        storeId: number;
        goods: { id: number; price: number }[];
        budget: { id: number; left: number }[];
        auth: string;
      }[] = [];
      for (const villageId of villageIds) {
        const store = district.stores.get(villageId)!;
        const goods = (
          await reader.query(
            `SELECT id, points_price FROM goods WHERE store_id = ? AND active = ?
              ORDER BY points_price LIMIT 4`,
            [store.storeId, target.kind === 'sqlite' ? 1 : true],
          )
        ).map((g) => ({ id: Number(g.id), price: Number(g.points_price) }));
        if (!goods.length) continue;
        const budget = (
          await reader.query(
            'SELECT id, balance FROM villagers WHERE village_id = ? AND balance >= ?',
            [villageId, Math.max(...goods.map((g) => g.price))],
          )
        ).map((r) => ({ id: Number(r.id), left: Number(r.balance) }));
        if (!budget.length) continue;
        shops.push({
          storeId: store.storeId,
          goods,
          budget,
          auth: `Bearer ${shopToken(villageId)}`,
        });
      }
      if (!shops.length) {
        throw new Error(
          'no villager has points left to redeem: run npm run bench:data again for a fresh district',
        );
      }
      let n = 0;
      return (): AutocannonRequest => {
        const shop = shops[n % shops.length];
        const k = Math.floor(n++ / shops.length);
        const g = shop.goods[k % shop.goods.length];
        let v = shop.budget[k % shop.budget.length];
        for (let tries = 0; v.left < g.price && tries < shop.budget.length; tries++) {
          v = shop.budget[(k + tries) % shop.budget.length];
        }
        v.left -= g.price;
        return {
          headers: {
            authorization: shop.auth,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
          },
          body: JSON.stringify({
            villagerId: v.id,
            storeId: shop.storeId,
            items: [{ goodsId: g.id, quantity: 1 }],
          }),
        };
      };
    };
    // Each side and round its own villages' stores and villagers (see groupFor).
    const shopVillages = (group: number) => groupFor(group).map((v) => v.id);
    const redemptions = await pair(
      '/api/redemptions',
      (round) => redemptionRequest(shopVillages(2 * round)),
      (round) => redemptionRequest(shopVillages(2 * round + 1)),
    );

    // ── where the main thread goes: a profiled stretch of each write on each server ───────
    console.log(`Profiles (${PROFILE_SECONDS} s of each write on each server, V8 profiler on):`);
    const deedProfile = {
      service: await profiled(
        service,
        serviceProfile,
        shortRun(service, '/api/deeds', deedRequest(vA.id)),
      ),
      baseline: await profiled(
        base,
        baselineProfile,
        shortRun(base, '/api/deeds', deedRequest(vB.id)),
      ),
    };
    console.log(`  record-deed, service:  ${topOf(deedProfile.service, 8)}`);
    console.log(`  record-deed, baseline: ${topOf(deedProfile.baseline, 5)}`);
    const redemptionProfile = {
      service: await profiled(
        service,
        serviceProfile,
        shortRun(service, '/api/redemptions', await redemptionRequest(shopVillages(2 * ROUNDS))),
      ),
      baseline: await profiled(
        base,
        baselineProfile,
        shortRun(base, '/api/redemptions', await redemptionRequest(shopVillages(2 * ROUNDS + 1))),
      ),
    };
    console.log(`  redemption, service:  ${topOf(redemptionProfile.service, 8)}`);
    console.log(`  redemption, baseline: ${topOf(redemptionProfile.baseline, 5)}`);
    await base.stop();
    baseline = null;

    // ── points history ──────────────────────────────────────────────────────────────────
    warm('history');
    console.log('Points history (GET /api/villagers/:id/points, random villagers):');
    const ids = district.villagerIds;
    const historyRequest = (): AutocannonRequest => {
      const id = ids[Math.floor(Math.random() * ids.length)];
      return {
        path: `/api/villagers/${id}/points`,
        headers: { authorization: `Bearer ${cadreToken.get(district.villageOfVillager.get(id)!)}` },
      };
    };
    const history = await load(
      'service',
      service,
      '/api/villagers/1/points',
      'GET',
      historyRequest,
    );
    const historyLow = await load(
      'service, lower concurrency',
      service,
      '/api/villagers/1/points',
      'GET',
      historyRequest,
      LOW_CONNECTIONS,
    );
    // The same reads while record-deed load (CONNECTIONS more connections) runs on the service.
    const underDeeds = async (connections: number) => {
      const writes = autocannon({
        url: service.url,
        connections: CONNECTIONS,
        duration: WARMUP + DURATION + 1,
        requests: [
          {
            method: 'POST',
            path: '/api/deeds',
            setupRequest: (req: AutocannonRequest) => ({ ...req, ...deedsForReads() }),
          },
        ],
      });
      const reads = await load(
        `service, ${connections} conn., while record-deed runs at ${CONNECTIONS}`,
        service,
        '/api/villagers/1/points',
        'GET',
        historyRequest,
        connections,
      );
      const w = await writes;
      console.log(
        `    (record-deed meanwhile: ${fmt(Math.round(w.requests.average))} req/s, ` +
          `p99 ${w.latency.p99} ms, non-2xx ${w.non2xx})`,
      );
      return { reads, writesReqPerSec: Math.round(w.requests.average), writesNon2xx: w.non2xx };
    };
    const deedsForReads = deedRequest(writeVillage('service', ROUNDS));
    const historyUnderDeeds = await underDeeds(CONNECTIONS);
    const historyLowUnderDeeds = await underDeeds(LOW_CONNECTIONS);
    const historyProfile = await profiled(service, serviceProfile, () =>
      autocannon({
        url: service.url,
        connections: CONNECTIONS,
        duration: PROFILE_SECONDS,
        requests: [
          {
            method: 'GET',
            path: '/',
            setupRequest: (req: AutocannonRequest) => ({ ...req, ...historyRequest() }),
          },
        ],
      }),
    );
    console.log(`  profile: ${topOf(historyProfile, 6)}`);

    // ── monthly evaluation ──────────────────────────────────────────────────────────────
    warm('evaluation');
    console.log(`Monthly evaluation of ${lastMonth} (POST /api/villages/:id/evaluations/:month):`);
    const evaluate = (villageId: number) =>
      timed(() =>
        fetch(`${service.url}/api/villages/${villageId}/evaluations/${lastMonth}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${cadreToken.get(villageId)}` },
        }),
      );
    const first = await evaluate(vA.id);
    if (first.status >= 300) {
      throw new Error(`evaluation answered ${first.status}: ${first.body.slice(0, 300)}`);
    }
    const parsed = JSON.parse(first.body) as Record<'redList' | 'blackList' | 'households', []>;
    const again: number[] = [];
    for (let i = 0; i < 5; i++) again.push((await evaluate(vA.id)).ms);
    // The month's two deed queries alone, on a plain connection: how much is the database.
    const scope = [vA.id, lastMonth];
    const sqlMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = process.hrtime.bigint();
      await reader.query(
        `SELECT d.villager_id, v.name, v.household_id,
                SUM(CASE WHEN d.points > 0 THEN d.points ELSE 0 END) AS merit,
                SUM(CASE WHEN d.points < 0 THEN d.points ELSE 0 END) AS deductions
           FROM deeds d JOIN villagers v ON v.id = d.villager_id
          WHERE d.village_id = ? AND d.month = ? AND d.status = 'approved' AND v.status = 'active'
          GROUP BY d.villager_id, v.name, v.household_id`,
        scope,
      );
      await reader.query(
        `SELECT villager_id, rule_title FROM deeds
          WHERE village_id = ? AND month = ? AND status = 'approved' AND points < 0
          ORDER BY occurred_on, id`,
        scope,
      );
      sqlMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const [{ n: monthDeeds }] = await reader.query(
      `SELECT COUNT(*) AS n FROM deeds WHERE village_id = ? AND month = ? AND status = 'approved'`,
      scope,
    );
    const oneVillage = {
      village: vA.code,
      month: lastMonth,
      deedsInMonth: Number(monthDeeds),
      firstMs: round2(first.ms),
      medianOfNextFiveMs: round2(median(again)),
      runsMs: again.map(round2),
      deedQueriesAloneMs: round2(median(sqlMs)),
      redList: parsed.redList.length,
      blackList: parsed.blackList.length,
      households: parsed.households.length,
    };
    console.log(
      `  one village (${vA.code}, ${fmt(oneVillage.deedsInMonth)} deeds in the month): first ` +
        `${oneVillage.firstMs} ms, then median ${oneVillage.medianOfNextFiveMs} ms; the two deed ` +
        `queries alone ${oneVillage.deedQueriesAloneMs} ms (red ${oneVillage.redList}, ` +
        `black ${oneVillage.blackList}, households ${oneVillage.households})`,
    );
    const perVillage: number[] = [];
    const cpu0 = cpuSecondsOf(service.proc.pid!) ?? 0;
    const pg0 = postgresCpu();
    const t0 = process.hrtime.bigint();
    for (const v of villages) {
      const r = await evaluate(v.id);
      if (r.status >= 300) {
        throw new Error(`evaluation of ${v.code} answered ${r.status}: ${r.body.slice(0, 300)}`);
      }
      perVillage.push(r.ms);
    }
    const districtSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const districtCpu = (cpuSecondsOf(service.proc.pid!) ?? 0) - cpu0;
    const districtPg = postgresCpuBetween(pg0, postgresCpu());
    const wholeDistrict = {
      villages: villages.length,
      seconds: round2(districtSeconds),
      medianVillageMs: round2(median(perVillage)),
      maxVillageMs: round2(Math.max(...perVillage)),
      serverCpuPct: Math.round((districtCpu / districtSeconds) * 100),
      postgresCpuPct: Math.round((districtPg / districtSeconds) * 100),
    };
    console.log(
      `  district (${villages.length} villages one after another): ${wholeDistrict.seconds} s ` +
        `(median ${wholeDistrict.medianVillageMs} ms, max ${wholeDistrict.maxVillageMs} ms a village, ` +
        `server CPU ${wholeDistrict.serverCpuPct}% of a core` +
        (target.kind === 'postgres' ? `, PostgreSQL ${wholeDistrict.postgresCpuPct}%)` : ')'),
    );
    const profiledVillages = villages.slice(0, 30);
    const evaluationProfile = await profiled(service, serviceProfile, async () => {
      for (const v of profiledVillages) await evaluate(v.id);
    });
    console.log(`  profile (${profiledVillages.length} villages): ${topOf(evaluationProfile, 6)}`);

    // ── the dashboard ───────────────────────────────────────────────────────────────────
    warm('dashboard');
    console.log(`Dashboard of ${lastMonth} (GET /api/dashboard, as the admin):`);
    const dashboardOf = async (query: string) => {
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await timed(() =>
          fetch(`${service.url}/api/dashboard?month=${lastMonth}${query}`, {
            headers: { authorization: `Bearer ${adminToken}` },
          }),
        );
        if (r.status !== 200) {
          throw new Error(`dashboard answered ${r.status}: ${r.body.slice(0, 300)}`);
        }
        runs.push(r.ms);
      }
      // the first may compute what no earlier request or refresh kept; the rest read it kept
      return {
        firstMs: round2(runs[0]),
        medianMs: round2(median(runs.slice(1))),
        runsMs: runs.map(round2),
      };
    };
    const [{ town: firstTown }] = (await reader.query(
      'SELECT town FROM villages ORDER BY id LIMIT 1',
    )) as { town: string }[];
    const dashboard = {
      district: await dashboardOf(''),
      town: { name: firstTown, ...(await dashboardOf(`&town=${encodeURIComponent(firstTown)}`)) },
      limitMs: round2(oneVillage.medianOfNextFiveMs * 10),
    };
    console.log(
      `  district (${villages.length} villages): first ${dashboard.district.firstMs} ms, then ` +
        `median ${dashboard.district.medianMs} ms; one town: first ${dashboard.town.firstMs} ms, ` +
        `then ${dashboard.town.medianMs} ms; limit (one village's lists × 10) ${dashboard.limitMs} ms`,
    );

    const mem = memoryOf(service.proc.pid!);
    const micro = microChecks(TIME_ZONE);
    Object.assign(results, {
      recordDeed: deeds,
      recordDeedOneVillager: oneVillager,
      redemption: redemptions,
      history: {
        [`${CONNECTIONS} connections`]: history,
        [`${LOW_CONNECTIONS} connections`]: historyLow,
        [`${CONNECTIONS} connections while record-deed runs`]: historyUnderDeeds,
        [`${LOW_CONNECTIONS} connections while record-deed runs`]: historyLowUnderDeeds,
      },
      evaluation: { oneVillage, wholeDistrict },
      dashboard,
      memory: { afterStartMiB: rssAfterStart, end: mem },
      pageCache,
      profiles: {
        recordDeed: deedProfile,
        recordDeedOneVillager: oneVillagerProfile,
        redemption: redemptionProfile,
        history: historyProfile,
        evaluation: evaluationProfile,
      },
      microChecks: micro,
    });

    // ── the table ───────────────────────────────────────────────────────────────────────
    const full = villages.length >= 150 && district.ledgerEntries >= 9_000_000;
    const reduced = full ? '' : ' [reduced scale]';
    const loadText = (r: LoadResult) =>
      `${fmt(r.reqPerSec)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}`;
    const sideText = (c: Comparison, side: 'service' | 'baseline') =>
      `${loadText(c[side])} (median of ${c.rounds[side].length}; ` +
      `${fmt(c.spread[side][0])}–${fmt(c.spread[side][1])} req/s)`;
    const ratioRow = (
      figure: string,
      c: Comparison,
      target: string,
      ps: ProfileSummary,
      pb: ProfileSummary,
      min = 0.5,
    ): Row => {
      if (!c.valid) {
        return {
          figure,
          value: 'INVALID: not compared',
          target,
          met: false,
          why: `rounds with refusals or failures do not measure the same work: ${c.invalid.join('; ')}`,
        };
      }
      return {
        figure,
        value:
          `${ratioText(c.ratio, min)} (median of ${c.ratios.length} rounds; ` +
          `${c.spread.ratio[0]}–${c.spread.ratio[1]}×)`,
        target,
        met: c.ratio >= min,
        why: c.ratio >= min ? undefined : writeWhy(c.service, c.baseline, ps, pb, micro),
      };
    };
    const p99Row = (figure: string, r: LoadResult, limit: number, writes: boolean): Row => {
      // a run in which nothing (or not everything) was answered has no p99 worth the name
      const failed = !r.requests || r.non2xx || r.errors || r.timeouts;
      if (failed) {
        return {
          figure,
          value: `INVALID: ${r.requests} answered, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`,
          target: `< ${limit} ms`,
          met: false,
          why: `requests failed or timed out (autocannon gives up after 10 s): ${latencyWhy(r, limit, writes && target.kind === 'sqlite')}`,
        };
      }
      return {
        figure,
        value: `${r.p99} ms (p50 ${r.p50} ms)`,
        target: `< ${limit} ms`,
        met: r.p99 < limit,
        why: r.p99 < limit ? undefined : latencyWhy(r, limit, writes && target.kind === 'sqlite'),
      };
    };
    const evalWhy =
      `the server's main thread during evaluations: ${topOf(evaluationProfile, 4)}; the month's ` +
      `two deed queries alone take ${oneVillage.deedQueriesAloneMs} ms on a plain connection ` +
      `(${fmt(oneVillage.deedsInMonth)} deed rows read through the (village_id, month, status) ` +
      `index, each row then fetched from the table). ${hotSpots(evaluationProfile, micro).join('. ')}`;
    rows.push(
      {
        figure: 'record-deed, service',
        value: sideText(deeds, 'service'),
        target: '',
        met: null,
      },
      {
        figure: 'record-deed, raw baseline',
        value: sideText(deeds, 'baseline'),
        target: '',
        met: null,
      },
      ratioRow(
        'record-deed service/baseline',
        deeds,
        '≥ 0.5×',
        deedProfile.service,
        deedProfile.baseline,
      ),
      p99Row(`record-deed p99 (${CONNECTIONS} conn.)`, deeds.service, 50, true),
      {
        figure: 'record-deed one villager, service',
        value: `${sideText(oneVillager, 'service')}; ${oneVillager.service.serverCpuMsPerRequest} ms CPU/request`,
        target: '',
        met: null,
      },
      {
        figure: 'record-deed one villager, raw baseline',
        value: `${sideText(oneVillager, 'baseline')}; ${oneVillager.baseline.serverCpuMsPerRequest} ms CPU/request`,
        target: '',
        met: null,
      },
      ratioRow(
        'record-deed one villager service/baseline',
        oneVillager,
        '≥ 1.0×',
        oneVillagerProfile.service,
        oneVillagerProfile.baseline,
        1,
      ),
      {
        figure: 'record-deed one villager p99 service/baseline',
        value: `${round2(oneVillager.service.p99 / oneVillager.baseline.p99)}× (${oneVillager.service.p99} ms against ${oneVillager.baseline.p99} ms)`,
        target: '≤ 1.5×',
        met: oneVillager.valid && oneVillager.service.p99 <= 1.5 * oneVillager.baseline.p99,
      },
      {
        figure: 'redemption, service',
        value: sideText(redemptions, 'service'),
        target: '',
        met: null,
      },
      {
        figure: 'redemption, raw baseline',
        value: sideText(redemptions, 'baseline'),
        target: '',
        met: null,
      },
      ratioRow(
        'redemption service/baseline',
        redemptions,
        '≥ 0.5×',
        redemptionProfile.service,
        redemptionProfile.baseline,
      ),
      p99Row(`redemption p99 (${CONNECTIONS} conn.)`, redemptions.service, 50, true),
      {
        figure: `evaluation, one village${reduced}`,
        value: `${oneVillage.medianOfNextFiveMs} ms (first ${oneVillage.firstMs} ms)`,
        target: '< 200 ms',
        met: oneVillage.medianOfNextFiveMs < 200,
        why: oneVillage.medianOfNextFiveMs < 200 ? undefined : evalWhy,
      },
      {
        figure: `evaluation, district (${villages.length})${reduced}`,
        value: `${wholeDistrict.seconds} s`,
        target: '< 10 s',
        met: wholeDistrict.seconds < 10,
        why:
          wholeDistrict.seconds < 10
            ? undefined
            : `${villages.length} villages one after another at a median of ` +
              `${wholeDistrict.medianVillageMs} ms each (server at ${wholeDistrict.serverCpuPct}% ` +
              `of a core; on SQLite the evaluations cannot overlap). ${evalWhy}`,
      },
      {
        figure: `dashboard, district (${villages.length})${reduced}`,
        value:
          `${dashboard.district.medianMs} ms kept (first ${dashboard.district.firstMs} ms; ` +
          `one town ${dashboard.town.medianMs} ms)`,
        target: `< one village's lists × 10 (${dashboard.limitMs} ms)`,
        met: dashboard.district.medianMs < dashboard.limitMs,
        why:
          dashboard.district.medianMs < dashboard.limitMs
            ? undefined
            : 'a village’s month is computed from its deeds and ledger entries of the month ' +
              'when the village changed since it was kept (src/district/dashboard.service.ts)',
      },
      p99Row(`points history p99 (${CONNECTIONS} conn.)${reduced}`, history, 20, false),
      p99Row(`points history p99 (${LOW_CONNECTIONS} conn.)${reduced}`, historyLow, 20, false),
      p99Row(
        `history p99 (${CONNECTIONS} conn.) under record-deed${reduced}`,
        historyUnderDeeds.reads,
        20,
        false,
      ),
      p99Row(
        `history p99 (${LOW_CONNECTIONS} conn.) under record-deed${reduced}`,
        historyLowUnderDeeds.reads,
        20,
        false,
      ),
      {
        figure: 'server peak RSS (VmHWM)',
        value: mem
          ? `${Math.round(mem.peakMiB)} MiB (${Math.round(rssAfterStart?.rssMiB ?? 0)} after start)`
          : 'n/a',
        target: '< 300 MB',
        met: mem ? mem.peakMiB * 1.048576 < 300 : null,
        why:
          !mem || mem.peakMiB * 1.048576 < 300
            ? undefined
            : memoryWhy(
                Math.round(rssAfterStart?.rssMiB ?? 0),
                deeds.rounds.service,
                deeds.rounds.baseline,
                micro,
              ),
      },
    );
  } catch (err) {
    const exited = service.proc.exitCode ?? service.proc.signalCode;
    if (exited !== null) {
      console.error(`\nThe service exited (${exited}); its last output:\n${service.output()}`);
    }
    throw err;
  } finally {
    if (baseline) await baseline.stop();
    await service.stop();
    await reader.close();
    rmSync(profileDir, { recursive: true, force: true });
  }

  // ── output ──────────────────────────────────────────────────────────────────────────────
  const w0 = Math.max(...rows.map((r) => r.figure.length));
  const w1 = Math.max(...rows.map((r) => r.value.length));
  console.log(`\n${'figure'.padEnd(w0)}  ${'measured'.padEnd(w1)}  ${'target'.padEnd(9)} met?`);
  for (const r of rows) {
    const met = r.met === null ? '' : r.met ? 'yes' : 'NO';
    console.log(`${r.figure.padEnd(w0)}  ${r.value.padEnd(w1)}  ${r.target.padEnd(9)} ${met}`);
  }
  const missed = rows.filter((r) => r.met === false && r.why);
  if (missed.length) {
    console.log('\nWhy targets were missed, and what would fix it (measured in this run):');
    for (const r of missed) console.log(`- ${r.figure}: ${r.why!.replace(/\.?$/, '.')}`);
  }
  console.log(
    `\nSettings: ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s per run, median ` +
      `of ${ROUNDS} alternating rounds for service vs baseline, each round on villages no earlier ` +
      `round wrote to. The machine is shared: each run's "other processes" CPU is in the JSON; ` +
      `load average at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}.`,
  );
  const file = resolve(RESULTS_DIR, `bench-${stamp}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        startedAt,
        finishedAt: new Date(),
        machine: {
          cores: cpus().length,
          cpu: cpus()[0]?.model.trim(),
          memoryGiB: round2(totalmem() / 2 ** 30),
          node: process.version,
          loadAverageAtEnd: readFileSync('/proc/loadavg', 'utf8').trim(),
        },
        database: describeTarget(target),
        district: {
          villages: villages.length,
          villagers: district.villagerIds.length,
          ledgerEntries: district.ledgerEntries,
        },
        settings: {
          connections: CONNECTIONS,
          lowConnections: LOW_CONNECTIONS,
          durationSeconds: DURATION,
          warmupSeconds: WARMUP,
          rounds: ROUNDS,
          serviceNodeArgs: SERVICE_NODE_ARGS,
          baselineNodeArgs: BASELINE_NODE_ARGS,
        },
        results,
        table: rows,
      },
      null,
      2,
    ),
  );
  console.log(`Results: ${file}`);
}

main().catch((err) => {
  console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
