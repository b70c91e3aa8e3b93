import { Secret, TOTP } from 'otpauth';
import type { Caller } from '../src/common/auth.decorators';
import { ctxOf } from '../src/common/request-context';
import { todayIn } from '../src/common/time';
import { Tx } from '../src/db/transaction';
import { LedgerService } from '../src/ledger/ledger.service';
import { Rule } from '../src/rules/rule.entity';
import { Villager } from '../src/villagers/villager.entity';
import { Goods, type Store } from '../src/store/store.entity';
import type { Village } from '../src/villages/village.entity';
import { bearer, createTestApp, type TestApp } from './app';

let n = 0;

/**
 * The scope most specs test against: an app, its admin, two villages and a cadre of each. A
 * cadre of B must never read or write A's records.
 */
export async function twoVillages(a: Partial<Village> = {}): Promise<{
  t: TestApp;
  admin: string;
  a: Village;
  b: Village;
  cadreA: string;
  cadreB: string;
}> {
  const t = await createTestApp();
  const villageA = await t.newVillage(a);
  const villageB = await t.newVillage();
  return {
    t,
    admin: await t.adminToken(),
    a: villageA,
    b: villageB,
    cadreA: await t.tokenFor('cadre', { villageId: villageA.id }),
    cadreB: await t.tokenFor('cadre', { villageId: villageB.id }),
  };
}

/** A rule straight in the database: district-wide unless villageId is given. */
export function newRule(t: TestApp, o: Partial<Rule> = {}): Promise<Rule> {
  return t.ds.getRepository(Rule).save({
    code: `T${process.pid}-${++n}`,
    category: 'kindness',
    title: '帮扶孤寡老人',
    points: 5,
    maxPerMonth: null,
    active: true,
    villageId: null,
    ...o,
  });
}

/** Checks the ledger's invariants for one villager: cached balance = sum, balanceAfter chains. */
export async function expectLedgerConsistent(t: TestApp, villagerId: number): Promise<number> {
  const entries: { delta: number; balance_after: number }[] = await t.ds.query(
    `SELECT delta, balance_after FROM ledger_entries WHERE villager_id = ${Number(villagerId)} ORDER BY id`,
  );
  let running = 0;
  for (const e of entries) {
    running += Number(e.delta);
    if (Number(e.balance_after) !== running) {
      throw new Error(`balanceAfter chain broken: expected ${running}, got ${e.balance_after}`);
    }
  }
  const [{ balance }] = await t.ds.query(
    `SELECT balance FROM villagers WHERE id = ${Number(villagerId)}`,
  );
  if (Number(balance) !== running)
    throw new Error(`cached balance ${balance} != sum of entries ${running}`);
  return running;
}

/** The admin as a caller, for operations a test runs straight through a service. */
export const ADMIN_CALLER: Caller = {
  id: 1,
  username: 'admin',
  role: 'admin',
  villageId: null,
  storeId: null,
  villagerId: null,
};

/** Points through the real ledger (an adjustment entry), so balance = sum of entries holds. */
export function grantPoints(
  tx: Tx,
  ledger: LedgerService,
  villagerId: number,
  points: number,
): Promise<unknown> {
  return tx.run((em) =>
    ledger.credit(ctxOf(em, ADMIN_CALLER), { villagerId, kind: 'adjustment' }, points),
  );
}

/** Goods put on sale in `storeId` over the API by the shopkeeper `token` (defaults filled in). */
export async function newGoods(
  t: TestApp,
  token: string,
  storeId: number,
  body: Record<string, unknown> = {},
): Promise<Goods> {
  const res = await t
    .http()
    .post(`/api/stores/${storeId}/goods`)
    .set(bearer(token))
    .send({ name: '洗衣粉', pointsPrice: 30, stock: 10, ...body })
    .expect(201);
  return res.body as Goods;
}

/** A store serving `villageIds`, its shopkeeper's token and one goods put on sale over the API. */
export async function newShop(
  t: TestApp,
  villageIds: number[],
  goods: { name: string; pointsPrice: number; stock: number },
): Promise<{ store: Store; shop: string; goods: Goods }> {
  const store = await t.newStore(villageIds);
  const shop = await t.tokenFor('shopkeeper', { storeId: store.id });
  return { store, shop, goods: await newGoods(t, shop, store.id, goods) };
}

/**
 * The store specs' world: two villages, each served by its own store, with a shopkeeper, a cadre
 * and a villager account, and helpers that read balances and stock and grant points through the
 * real ledger.
 */
export async function storeWorld() {
  const t = await createTestApp();
  const villageA = await t.newVillage();
  const villageB = await t.newVillage();
  const storeA = await t.newStore([villageA.id], '甲村积分超市');
  const storeB = await t.newStore([villageB.id], '乙村积分超市');
  const villagerA = await t.newVillager(villageA.id, { name: '李四' });
  return {
    t,
    admin: await t.adminToken(),
    villageA,
    villageB,
    storeA,
    storeB,
    shopA: await t.tokenFor('shopkeeper', { storeId: storeA.id }),
    shopB: await t.tokenFor('shopkeeper', { storeId: storeB.id }),
    cadreA: await t.tokenFor('cadre', { villageId: villageA.id }),
    villagerA,
    villagerAToken: await t.tokenFor('villager', {
      villageId: villageA.id,
      villagerId: villagerA.id,
    }),
    /** Points through the real ledger (an adjustment entry), so balance = sum of entries holds. */
    grant: (villagerId: number, points: number) =>
      grantPoints(t.app.get(Tx), t.app.get(LedgerService), villagerId, points),
    balanceOf: async (villagerId: number) =>
      (await t.ds.getRepository(Villager).findOneByOrFail({ id: villagerId })).balance,
    stockOf: async (goodsId: number) =>
      (await t.ds.getRepository(Goods).findOneByOrFail({ id: goodsId })).stock,
  };
}
export type StoreWorld = Awaited<ReturnType<typeof storeWorld>>;

/** Closes a store spec: whatever it did, stock and balances still equal the sums of their moves. */
export function describeStoreInvariants(app: () => TestApp): void {
  describe('invariants over everything above', () => {
    it('every goods: stock = sum of its movements, never below zero', async () => {
      const rows: { id: number; stock: number; moved: number | string | null }[] = await app().ds
        .query(`SELECT g.id, g.stock, (SELECT SUM(m.delta) FROM stock_movements m WHERE m.goods_id = g.id) AS moved
         FROM goods g`);
      for (const r of rows) {
        expect(r.stock).toBeGreaterThanOrEqual(0);
        expect(Number(r.moved ?? 0)).toBe(r.stock);
      }
    });

    it('every villager: balance = sum of ledger entries, never below zero here', async () => {
      const rows: { balance: number; total: number | string | null }[] = await app().ds.query(
        `SELECT v.balance, (SELECT SUM(e.delta) FROM ledger_entries e WHERE e.villager_id = v.id) AS total
         FROM villagers v`,
      );
      for (const r of rows) {
        expect(r.balance).toBeGreaterThanOrEqual(0);
        expect(Number(r.total ?? 0)).toBe(r.balance);
      }
    });
  });
}

/**
 * The code an authenticator app shows for `secret` now, or `stepsAhead` 30-second steps later:
 * the service accepts one step either side, and each step once (a test that enabled the factor
 * with this step's code logs in with the next one).
 */
export function totp(secret: string, stepsAhead = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({
    timestamp: Date.now() + stepsAhead * 30_000,
  });
}

/** As if the points policy had been changed `days` ago: its 30 days' grace is counted from then. */
export function policyChangedDaysAgo(t: TestApp, days: number): Promise<unknown> {
  return t.ds.query(
    t.config.database.type === 'postgres'
      ? "UPDATE points_policy SET changed_at = now() - interval '1 day' * $1"
      : "UPDATE points_policy SET changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ? || ' days')",
    [days],
  );
}

/** A deed recorded (a cadre) or self-reported (a villager) over the API as `token`: 201, its body. */
export async function recordDeed(
  t: TestApp,
  token: string,
  deed: { villagerId: number; ruleId: number; occurredOn?: string },
): Promise<{ id: number }> {
  const occurredOn = deed.occurredOn ?? todayIn('Asia/Shanghai');
  const res = await t
    .http()
    .post('/api/deeds')
    .set(bearer(token))
    .send({ ...deed, occurredOn, description: '记录' })
    .expect(201);
  return res.body;
}

/** One of a goods redeemed at the counter over the API by the shopkeeper `token`: 201. */
export async function redeemOne(
  t: TestApp,
  token: string,
  r: { villagerId: number; storeId: number; goodsId: number },
): Promise<void> {
  await t
    .http()
    .post('/api/redemptions')
    .set(bearer(token))
    .send({
      villagerId: r.villagerId,
      storeId: r.storeId,
      items: [{ goodsId: r.goodsId, quantity: 1 }],
    })
    .expect(201);
}
