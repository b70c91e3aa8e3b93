import { addDays, monthsBefore, todayIn } from '../src/common/time';
import { SettlementService } from '../src/settlement/settlement.service';
import { Client } from 'pg';
import { ADMIN_PASSWORD, bearer, freshDatabaseUrl, isPostgres, type TestApp } from './app';
import { assertBuildIsFresh, call, ok, startInstances, type Instances } from './instances';
import {
  ADMIN_CALLER,
  expectLedgerConsistent,
  newRule,
  newShop,
  policyChangedDaysAgo,
  recordDeed,
  redeemOne,
  twoVillages,
} from './factories';

/**
 * 积分清零 (docs/product.md, "Yearly settlement"): the district's policy, the grace after a change,
 * points aged from the deed and spent oldest first, each expiry posted once.
 */
let ctx: Awaited<ReturnType<typeof twoVillages>>;
let t: TestApp;
const today = todayIn('Asia/Shanghai');

beforeAll(async () => {
  ctx = await twoVillages();
  t = ctx.t;
});
afterAll(() => t.close());

const setPolicy = (body: object, token = ctx.admin) =>
  t.http().patch('/api/settings/points').set(bearer(token)).send(body);
const run = () => t.http().post('/api/settings/points/run').set(bearer(ctx.admin)).expect(200);
const pointsOf = async (villagerId: number) =>
  (await t.http().get(`/api/villagers/${villagerId}/points`).set(bearer(ctx.admin)).expect(200))
    .body;

it('keep by default; only an admin changes it; bad input is a 400 naming the field', async () => {
  const { admin, cadreA } = ctx;
  const res = await t.http().get('/api/settings/points').set(bearer(admin)).expect(200);
  expect(res.body).toEqual({ policy: 'keep', months: null, changedAt: null, effectiveFrom: null });
  const auditor = await t.tokenFor('auditor');
  await t.http().get('/api/settings/points').set(bearer(auditor)).expect(200);
  await setPolicy({ policy: 'yearEnd' }, auditor).expect(403);
  await setPolicy({ policy: 'yearEnd' }, cadreA).expect(403);
  await t.http().get('/api/settings/points').set(bearer(cadreA)).expect(403);
  for (const [body, field] of [
    [{ policy: 'never' }, 'policy'],
    [{ policy: 'expireAfterMonths' }, 'months'],
    [{ policy: 'expireAfterMonths', months: 0 }, 'months'],
    [{ policy: 'expireAfterMonths', months: 1.5 }, 'months'],
    [{ policy: 'yearEnd', months: 12 }, 'months'],
  ] as const) {
    const bad = await setPolicy(body).expect(400);
    expect(JSON.stringify(bad.body.message)).toContain(field);
  }
  expect((await run()).body).toEqual({ period: null, villagers: 0, points: 0 });
});

it('expireAfterMonths: old points expire after the grace, oldest first, once; the history says why', async () => {
  const { a, cadreA } = ctx;
  const v = await t.newVillager(a.id, { name: '刘一' });
  const five = await newRule(t, { points: 5 });
  const three = await newRule(t, { points: 3 });
  const four = await newRule(t, { points: 4 });
  const record = (ruleId: number, occurredOn: string) =>
    recordDeed(t, cadreA, { villagerId: v.id, ruleId, occurredOn });
  await record(five.id, monthsBefore(today, 14));
  await record(three.id, monthsBefore(today, 2));
  // an old award revoked: it and its reversal count for nothing
  const revoked = await record(four.id, monthsBefore(today, 13));
  await t
    .http()
    .post(`/api/deeds/${revoked.id}/revoke`)
    .set(bearer(cadreA))
    .send({ reason: '记错了' })
    .expect(200);
  // 2 spent at the store: taken from the oldest award, so 3 of its 5 are left
  const { store, shop, goods } = await newShop(t, [a.id], { name: '盐', pointsPrice: 2, stock: 9 });
  await redeemOne(t, shop, { villagerId: v.id, storeId: store.id, goodsId: goods.id });

  const set = await setPolicy({ policy: 'expireAfterMonths', months: 12 }).expect(200);
  const from = addDays(today, 30);
  expect(set.body).toMatchObject({ policy: 'expireAfterMonths', months: 12, effectiveFrom: from });
  // the same policy again starts no new grace
  const again = await setPolicy({ policy: 'expireAfterMonths', months: 12 }).expect(200);
  expect(again.body.changedAt).toBe(set.body.changedAt);

  // announced before it happens: the old 3 on the grace's eve, the recent 3 a year after their deed
  expect((await pointsOf(v.id)).expiring).toEqual([
    { on: addDays(from, -1), points: 3 },
    { on: addDays(monthsBefore(monthsBefore(today, 2), -12), -1), points: 3 },
  ]);
  // within the grace nothing expires
  expect((await run()).body).toEqual({ period: null, villagers: 0, points: 0 });
  expect((await pointsOf(v.id)).balance).toBe(6);

  await policyChangedDaysAgo(t, 31);
  const first = await run();
  expect(first.body).toEqual({ period: `D${today}`, villagers: 1, points: 3 });
  const after = await pointsOf(v.id);
  expect(after.balance).toBe(3);
  expect(after.entries.items[0]).toMatchObject({
    kind: 'expiry',
    delta: -3,
    balanceAfter: 3,
    note: `积分到期清零（${monthsBefore(today, 12).replace(/^(\d+)-0?(\d+)-0?(\d+)$/, '$1年$2月$3日')}及以前所得）`,
  });
  expect(after.expiring).toEqual([
    { on: addDays(monthsBefore(monthsBefore(today, 2), -12), -1), points: 3 },
  ]);
  // run again, or by the daily job on another instance: nothing more
  expect((await run()).body).toEqual({ period: `D${today}`, villagers: 0, points: 0 });
  expect(await t.app.get(SettlementService).scheduled()).toEqual({
    period: `D${today}`,
    villagers: 0,
    points: 0,
  });
  // the daily job claims a day once
  expect(await t.app.get(SettlementService).scheduled()).toBeNull();
  expect(await expectLedgerConsistent(t, v.id)).toBe(3);
  const [{ n }] = await t.ds.query(
    `SELECT COUNT(*) AS n FROM ledger_entries WHERE villager_id = ${v.id} AND kind = 'expiry'`,
  );
  expect(Number(n)).toBe(1);
  // the villager's trail and the dashboard show it
  const audit = await t
    .http()
    .get(`/api/audit?villageId=${a.id}`)
    .set(bearer(ctx.admin))
    .expect(200);
  expect(
    audit.body.items.find(
      (e: { action: string; entityId: number }) =>
        e.action === 'villager.expire' && e.entityId === v.id,
    ),
  ).toBeTruthy();
  const dash = await t.http().get('/api/dashboard').set(bearer(ctx.admin)).expect(200);
  expect(dash.body.villages.find((r: { villageId: number }) => r.villageId === a.id).expired).toBe(
    3,
  );
});

it('yearEnd: at the end of 31 December every balance above zero is cleared, once; negative ones are left', async () => {
  const { b } = ctx;
  const rich = await t.newVillager(b.id, { name: '陈二' });
  const poor = await t.newVillager(b.id, { name: '陈三' });
  const cadreB = ctx.cadreB;
  const rule = await newRule(t, { points: 7 });
  const deduct = await newRule(t, { points: -9, evidenceRequired: false, category: 'integrity' });
  for (const [villagerId, ruleId] of [
    [rich.id, rule.id],
    [poor.id, rule.id],
    [poor.id, deduct.id],
  ]) {
    await recordDeed(t, cadreB, { villagerId, ruleId });
  }
  await setPolicy({ policy: 'yearEnd' }).expect(200);
  const year = Number(today.slice(0, 4));
  // changed long enough before this year's end: cleared at its end, said 30 days ahead
  await policyChangedDaysAgo(t, 31);
  expect((await pointsOf(rich.id)).expiring).toEqual([{ on: `${year}-12-31`, points: 7 }]);
  expect((await pointsOf(poor.id)).expiring).toEqual([]);
  // the counter's search tells each villager found their own
  const { store, shop } = await newShop(t, [b.id], { name: '醋', pointsPrice: 1, stock: 1 });
  const found = await t
    .http()
    .get(`/api/stores/${store.id}/villagers?q=${encodeURIComponent('陈')}`)
    .set(bearer(shop))
    .expect(200);
  const expiringOf = (id: number) =>
    found.body.items.find((v: { villagerId: number }) => v.villagerId === id).expiring;
  expect(expiringOf(rich.id)).toEqual([{ on: `${year}-12-31`, points: 7 }]);
  expect(expiringOf(poor.id)).toEqual([]);
  const settlement = t.app.get(SettlementService);
  // on 31 December nothing yet; on 1 January last year's points go
  expect(await settlement.runOn(`${year}-12-31`, ADMIN_CALLER)).toMatchObject({ villagers: 0 });
  const newYear = await settlement.runOn(`${year + 1}-01-01`, ADMIN_CALLER);
  expect(newYear.period).toBe(`Y${year}`);
  expect((await pointsOf(rich.id)).balance).toBe(0);
  expect((await pointsOf(poor.id)).balance).toBe(-2);
  expect((await pointsOf(rich.id)).entries.items[0]).toMatchObject({
    kind: 'expiry',
    delta: -7,
    note: `${year}年度积分年终清零`,
  });
  expect(await settlement.runOn(`${year + 1}-01-02`, ADMIN_CALLER)).toMatchObject({
    villagers: 0,
    points: 0,
  });
  await expectLedgerConsistent(t, rich.id);
  await expectLedgerConsistent(t, poor.id);
});

it('a year end inside the grace clears nothing: the first clearing is the next year’s end', async () => {
  const { b, cadreB } = ctx;
  const v = await t.newVillager(b.id, { name: '陈四' });
  const rule = await newRule(t, { points: 6 });
  await recordDeed(t, cadreB, { villagerId: v.id, ruleId: rule.id });
  await setPolicy({ policy: 'keep' }).expect(200);
  await setPolicy({ policy: 'yearEnd' }).expect(200);
  const year = Number(today.slice(0, 4));
  const settlement = t.app.get(SettlementService);
  // changed today: 1 January comes within 30 days only late in the year; either way nothing now
  const first = await settlement.runOn(`${year + 1}-01-01`, ADMIN_CALLER);
  if (addDays(today, 30) > `${year + 1}-01-01`) {
    expect(first).toEqual({ period: null, villagers: 0, points: 0 });
    expect((await pointsOf(v.id)).expiring).toEqual([{ on: `${year + 1}-12-31`, points: 6 }]);
  } else {
    expect((await pointsOf(v.id)).expiring).toEqual([{ on: `${year}-12-31`, points: 6 }]);
  }
});

// Several processes on one database are PostgreSQL's deployment model (docs/operations.md).
(isPostgres ? describe : describe.skip)('two service processes on one PostgreSQL database', () => {
  let instances: Instances;
  let db: { url: string; drop: () => Promise<void> };
  let pg: Client;

  beforeAll(async () => {
    assertBuildIsFresh(['src/ledger', 'src/settlement', 'src/store', 'src/db', 'src/common']);
    db = await freshDatabaseUrl();
    instances = await startInstances(2, {
      DATABASE_URL: db.url,
      JWT_SECRET: 'expiry-instances-secret-expiry-instances-secret',
      ADMIN_PASSWORD,
    });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 60_000);
  afterAll(async () => {
    await pg?.end();
    await instances?.stop();
    await db?.drop();
  });

  it('expiry raced with redemptions and with itself on both instances: each villager’s expiry posted once, exactly what was left of the old points', async () => {
    const [one, two] = instances.urls;
    const admin = (
      await ok(
        call(one, 'POST', '/auth/login', null, { username: 'admin', password: ADMIN_PASSWORD }),
        200,
      )
    ).accessToken as string;
    const village = await ok(
      call(one, 'POST', '/villages', admin, { code: 'EXP1', name: '清零村', town: '测试镇' }),
      201,
    );
    const store = await ok(
      call(one, 'POST', '/stores', admin, { name: '清零超市', villageIds: [village.id] }),
      201,
    );
    const goods = await ok(
      call(one, 'POST', `/stores/${store.id}/goods`, admin, {
        name: '毛巾',
        pointsPrice: 3,
        stock: 10_000,
      }),
      201,
    );
    const account = async (role: string, scope: object) => {
      const username = `${role}_exp`;
      await ok(
        call(one, 'POST', '/users', admin, {
          username,
          password: 'Expiry-Pass-1',
          mustChangePassword: false,
          role,
          ...scope,
        }),
        201,
      );
      return (
        await ok(
          call(two, 'POST', '/auth/login', null, { username, password: 'Expiry-Pass-1' }),
          200,
        )
      ).accessToken as string;
    };
    const cadre = await account('cadre', { villageId: village.id });
    const shop = await account('shopkeeper', { storeId: store.id });
    const old = await ok(
      call(one, 'POST', '/rules', admin, {
        code: 'EXP-OLD',
        category: 'kindness',
        title: '义务劳动',
        points: 100,
      }),
      201,
    );
    const fresh = await ok(
      call(one, 'POST', '/rules', admin, {
        code: 'EXP-NEW',
        category: 'kindness',
        title: '帮扶邻里',
        points: 30,
      }),
      201,
    );
    const villagers: number[] = [];
    for (let i = 0; i < 5; i++) {
      const v = await ok(
        call(one, 'POST', '/villagers', admin, { villageId: village.id, name: `清零${i}` }),
        201,
      );
      villagers.push(v.id!);
      for (const [ruleId, occurredOn] of [
        [old.id, monthsBefore(today, 14)],
        [fresh.id, today],
      ]) {
        await ok(
          call(two, 'POST', '/deeds', cadre, {
            villagerId: v.id,
            ruleId,
            occurredOn,
            description: '记录',
          }),
          201,
        );
      }
    }
    await ok(
      call(one, 'PATCH', '/settings/points', admin, { policy: 'expireAfterMonths', months: 12 }),
      200,
    );
    await pg.query("UPDATE points_policy SET changed_at = now() - interval '31 days'");

    // 12 redemptions of 3 points per villager and 3 runs per instance, all at once
    const redemptions = villagers.flatMap((villagerId) =>
      Array.from({ length: 12 }, (_, i) =>
        call(i % 2 ? one : two, 'POST', '/redemptions', shop, {
          villagerId,
          storeId: store.id,
          items: [{ goodsId: goods.id, quantity: 1 }],
        }),
      ),
    );
    const runs = [one, two, one, two, one, two].map((url) =>
      call(url, 'POST', '/settings/points/run', admin),
    );
    const answers = await Promise.all([...redemptions, ...runs]);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(answers.slice(0, redemptions.length).every((a) => a.status === 201)).toBe(true);
    const ran = answers
      .slice(redemptions.length)
      .map((a) => a.body as { villagers: number; points: number });
    expect(ran.reduce((n, r) => n + r.villagers, 0)).toBe(villagers.length);

    let expiredTotal = 0;
    for (const id of villagers) {
      const { rows } = await pg.query<{
        id: number;
        kind: string;
        delta: number;
        balance_after: number;
      }>(
        'SELECT id, kind, delta, balance_after FROM ledger_entries WHERE villager_id = $1 ORDER BY id',
        [id],
      );
      const expiries = rows.filter((r) => r.kind === 'expiry');
      expect(expiries).toHaveLength(1);
      // the redemptions that came first were taken from the old 100; the expiry took the rest
      const before = rows.filter((r) => r.kind === 'redemption' && r.id < expiries[0].id).length;
      expect(-expiries[0].delta).toBe(100 - 3 * before);
      expiredTotal -= expiries[0].delta;
      // the balance is the sum of the entries, each balanceAfter the running sum, never below zero
      let running = 0;
      for (const r of rows) {
        running += r.delta;
        expect(r.balance_after).toBe(running);
        expect(running).toBeGreaterThanOrEqual(0);
      }
      const {
        rows: [v],
      } = await pg.query<{ balance: number }>('SELECT balance FROM villagers WHERE id = $1', [id]);
      expect(v.balance).toBe(running);
      expect(running).toBe(130 - (100 - 3 * before) - 36);
      const { rows: guards } = await pg.query(
        'SELECT period, points FROM points_expiries WHERE villager_id = $1',
        [id],
      );
      expect(guards).toEqual([{ period: `D${today}`, points: -expiries[0].delta }]);
    }
    expect(ran.reduce((n, r) => n + r.points, 0)).toBe(expiredTotal);
    expect(instances.output()).not.toMatch(/\bERROR\b|query failed|Internal server error/i);
  }, 120_000);
});
