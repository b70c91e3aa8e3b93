import { Tx } from '../src/db/transaction';
import { LedgerEntry } from '../src/ledger/ledger-entry.entity';
import { LedgerService } from '../src/ledger/ledger.service';
import { Redemption } from '../src/store/redemption.entity';
import { Goods, StockMovement, Store } from '../src/store/store.entity';
import { Villager } from '../src/villagers/villager.entity';
import { Village } from '../src/villages/village.entity';
import { bearer, createTestApp, TestApp } from './app';
import { grantPoints, newGoods } from './factories';

let t: TestApp;
let admin: string;

// Two villages, each served by its own store, with a shopkeeper, a cadre and a villager account.
let villageA: Village;
let villageB: Village;
let storeA: Store;
let storeB: Store;
let shopA: string;
let shopB: string;
let cadreA: string;
let villagerA: Villager;
let villagerAToken: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
  villageA = await t.newVillage();
  villageB = await t.newVillage();
  storeA = await t.newStore([villageA.id], '甲村积分超市');
  storeB = await t.newStore([villageB.id], '乙村积分超市');
  shopA = await t.tokenFor('shopkeeper', { storeId: storeA.id });
  shopB = await t.tokenFor('shopkeeper', { storeId: storeB.id });
  cadreA = await t.tokenFor('cadre', { villageId: villageA.id });
  villagerA = await t.newVillager(villageA.id, { name: '李四' });
  villagerAToken = await t.tokenFor('villager', {
    villageId: villageA.id,
    villagerId: villagerA.id,
  });
});
afterAll(() => t.close());

/** Points through the real ledger (an adjustment entry), so balance = sum of entries holds. */
async function grant(villagerId: number, points: number): Promise<void> {
  await grantPoints(t.app.get(Tx), t.app.get(LedgerService), villagerId, points);
}

async function balanceOf(villagerId: number): Promise<number> {
  return (await t.ds.getRepository(Villager).findOneByOrFail({ id: villagerId })).balance;
}

async function stockOf(goodsId: number): Promise<number> {
  return (await t.ds.getRepository(Goods).findOneByOrFail({ id: goodsId })).stock;
}

const messageOf = (body: { message?: unknown }) => JSON.stringify(body.message);

describe('stores', () => {
  it('POST /api/stores: 401 without a token, 403 for everyone but an admin', async () => {
    const body = { name: '新超市', villageIds: [villageA.id] };
    await t.http().post('/api/stores').send(body).expect(401);
    for (const token of [shopA, cadreA, villagerAToken]) {
      await t.http().post('/api/stores').set(bearer(token)).send(body).expect(403);
    }
  });

  it.each([
    [{ villageIds: [1] }, 'name'],
    [{ name: '', villageIds: [1] }, 'name'],
    [{ name: '超'.repeat(51), villageIds: [1] }, 'name'],
    [{ name: '店' }, 'villageIds'],
    [{ name: '店', villageIds: [] }, 'villageIds'],
    [{ name: '店', villageIds: ['1'] }, 'villageIds'],
    [{ name: '店', villageIds: [1, 1] }, 'villageIds'],
    [{ name: '店', villageIds: [99999999999] }, 'villageIds'],
    [{ name: '店', villageIds: [1], owner: 'me' }, 'owner'],
  ])('POST /api/stores %j → 400 naming %s', async (body, field) => {
    const before = await t.ds.getRepository(Store).count();
    const res = await t.http().post('/api/stores').set(bearer(admin)).send(body).expect(400);
    expect(messageOf(res.body)).toContain(field);
    expect(await t.ds.getRepository(Store).count()).toBe(before);
  });

  it('an admin creates a store serving several villages; an unknown village is 404 and writes nothing', async () => {
    const res = await t
      .http()
      .post('/api/stores')
      .set(bearer(admin))
      .send({ name: ' 联合积分超市 ', villageIds: [villageB.id, villageA.id] })
      .expect(201);
    expect(res.body).toMatchObject({
      name: '联合积分超市',
      villageIds: [villageA.id, villageB.id].sort((a, b) => a - b),
    });
    const before = await t.ds.getRepository(Store).count();
    await t
      .http()
      .post('/api/stores')
      .set(bearer(admin))
      .send({ name: '幽灵超市', villageIds: [villageA.id, 999999] })
      .expect(404);
    expect(await t.ds.getRepository(Store).count()).toBe(before);
  });

  it('GET /api/stores: admin sees all (filter by village), a shopkeeper only their own, a villager those serving their village', async () => {
    await t.http().get('/api/stores').expect(401);
    await t.http().get('/api/stores').set(bearer(cadreA)).expect(403);
    const all = await t.http().get('/api/stores?pageSize=200').set(bearer(admin)).expect(200);
    const allIds = all.body.items.map((s: Store) => s.id);
    expect(allIds).toEqual(expect.arrayContaining([storeA.id, storeB.id]));
    expect(all.body).toMatchObject({ page: 1, pageSize: 200, total: allIds.length });

    const byVillage = await t
      .http()
      .get(`/api/stores?villageId=${villageB.id}&pageSize=200`)
      .set(bearer(admin))
      .expect(200);
    expect(byVillage.body.items.map((s: Store) => s.id)).toContain(storeB.id);
    expect(byVillage.body.items.map((s: Store) => s.id)).not.toContain(storeA.id);

    const own = await t.http().get('/api/stores').set(bearer(shopA)).expect(200);
    expect(own.body).toMatchObject({
      total: 1,
      items: [{ id: storeA.id, villageIds: [villageA.id] }],
    });

    const mine = await t.http().get('/api/stores').set(bearer(villagerAToken)).expect(200);
    const mineIds = mine.body.items.map((s: Store) => s.id);
    expect(mineIds).toContain(storeA.id);
    expect(mineIds).not.toContain(storeB.id);

    await t.http().get('/api/stores?villageId=abc').set(bearer(admin)).expect(400);
    await t.http().get('/api/stores?pageSize=0').set(bearer(admin)).expect(400);
  });

  it('GET /api/stores/:id: scoped like the list', async () => {
    await t.http().get(`/api/stores/${storeA.id}`).expect(401);
    await t.http().get(`/api/stores/${storeA.id}`).set(bearer(cadreA)).expect(403);
    await t.http().get(`/api/stores/${storeB.id}`).set(bearer(shopA)).expect(403);
    await t.http().get(`/api/stores/${storeB.id}`).set(bearer(villagerAToken)).expect(403);
    await t.http().get('/api/stores/999999').set(bearer(admin)).expect(404);
    await t.http().get('/api/stores/abc').set(bearer(admin)).expect(400);
    await t.http().get('/api/stores/99999999999').set(bearer(admin)).expect(400);
    const res = await t.http().get(`/api/stores/${storeA.id}`).set(bearer(shopA)).expect(200);
    expect(res.body).toMatchObject({
      id: storeA.id,
      name: '甲村积分超市',
      villageIds: [villageA.id],
    });
    await t.http().get(`/api/stores/${storeA.id}`).set(bearer(villagerAToken)).expect(200);
  });

  it('PATCH /api/stores/:id: an admin renames it and replaces the villages served', async () => {
    const store = await t.newStore([villageA.id], '旧名');
    await t.http().patch(`/api/stores/${store.id}`).send({ name: '新名' }).expect(401);
    await t
      .http()
      .patch(`/api/stores/${store.id}`)
      .set(bearer(shopA))
      .send({ name: '新名' })
      .expect(403);
    const bad = await t
      .http()
      .patch(`/api/stores/${store.id}`)
      .set(bearer(admin))
      .send({ villageIds: [] })
      .expect(400);
    expect(messageOf(bad.body)).toContain('villageIds');
    await t
      .http()
      .patch('/api/stores/999999')
      .set(bearer(admin))
      .send({ name: '新名' })
      .expect(404);
    await t
      .http()
      .patch(`/api/stores/${store.id}`)
      .set(bearer(admin))
      .send({ villageIds: [999999] })
      .expect(404);
    const res = await t
      .http()
      .patch(`/api/stores/${store.id}`)
      .set(bearer(admin))
      .send({ name: '新名', villageIds: [villageB.id] })
      .expect(200);
    expect(res.body).toMatchObject({ id: store.id, name: '新名', villageIds: [villageB.id] });
  });
});

describe('goods', () => {
  it('POST /api/stores/:id/goods: 401, 403 for cadre, villager and another store’s shopkeeper, 404 for a missing store', async () => {
    const body = { name: '食用油', pointsPrice: 120 };
    await t.http().post(`/api/stores/${storeA.id}/goods`).send(body).expect(401);
    for (const token of [cadreA, villagerAToken, shopB]) {
      await t
        .http()
        .post(`/api/stores/${storeA.id}/goods`)
        .set(bearer(token))
        .send(body)
        .expect(403);
    }
    await t.http().post('/api/stores/999999/goods').set(bearer(admin)).send(body).expect(404);
    await t.http().post('/api/stores/999999/goods').set(bearer(shopA)).send(body).expect(403);
  });

  it.each([
    [{ pointsPrice: 10 }, 'name'],
    [{ name: '', pointsPrice: 10 }, 'name'],
    [{ name: '油' }, 'pointsPrice'],
    [{ name: '油', pointsPrice: 0 }, 'pointsPrice'],
    [{ name: '油', pointsPrice: -5 }, 'pointsPrice'],
    [{ name: '油', pointsPrice: 1.5 }, 'pointsPrice'],
    [{ name: '油', pointsPrice: '10' }, 'pointsPrice'],
    [{ name: '油', pointsPrice: 1e12 }, 'pointsPrice'],
    [{ name: '油', pointsPrice: 10, stock: -1 }, 'stock'],
    [{ name: '油', pointsPrice: 10, stock: 2.5 }, 'stock'],
    [{ name: '油', pointsPrice: 10, active: 'yes' }, 'active'],
    [{ name: '油', pointsPrice: 10, storeId: 1 }, 'storeId'],
  ])('POST goods %j → 400 naming %s', async (body, field) => {
    const res = await t
      .http()
      .post(`/api/stores/${storeA.id}/goods`)
      .set(bearer(shopA))
      .send(body)
      .expect(400);
    expect(messageOf(res.body)).toContain(field);
  });

  it('the shopkeeper adds goods; opening stock is a restock movement by them', async () => {
    const g = await newGoods(t, shopA, storeA.id, { name: '大米 5kg', pointsPrice: 200, stock: 8 });
    expect(g).toMatchObject({
      storeId: storeA.id,
      name: '大米 5kg',
      pointsPrice: 200,
      stock: 8,
      active: true,
    });
    const moves = await t
      .http()
      .get(`/api/goods/${g.id}/stock-movements`)
      .set(bearer(shopA))
      .expect(200);
    expect(moves.body).toMatchObject({
      total: 1,
      items: [{ goodsId: g.id, delta: 8, reason: 'restock', redemptionId: null }],
    });
    expect(moves.body.items[0].actorId).toEqual(expect.any(Number));
    expect(moves.body.items[0].createdAt).toEqual(expect.any(String));

    const none = await newGoods(t, admin, storeA.id, { name: '毛巾', stock: undefined });
    expect(none.stock).toBe(0);
    expect(await t.ds.getRepository(StockMovement).countBy({ goodsId: none.id })).toBe(0);
  });

  it('GET /api/stores/:id/goods: staff see all, villagers of a served village see goods on sale', async () => {
    const store = await t.newStore([villageA.id], '货架测试');
    const shop = await t.tokenFor('shopkeeper', { storeId: store.id });
    const onSale = await newGoods(t, shop, store.id, { name: '酱油' });
    const off = await newGoods(t, shop, store.id, { name: '停售品', active: false });
    const villagerB = await t.tokenFor('villager', { villageId: villageB.id });

    await t.http().get(`/api/stores/${store.id}/goods`).expect(401);
    await t.http().get(`/api/stores/${store.id}/goods`).set(bearer(cadreA)).expect(403);
    await t.http().get(`/api/stores/${store.id}/goods`).set(bearer(shopA)).expect(403);
    await t.http().get(`/api/stores/${store.id}/goods`).set(bearer(villagerB)).expect(403);
    await t.http().get('/api/stores/999999/goods').set(bearer(admin)).expect(404);
    await t.http().get(`/api/stores/${store.id}/goods?active=maybe`).set(bearer(shop)).expect(400);

    const staff = await t.http().get(`/api/stores/${store.id}/goods`).set(bearer(shop)).expect(200);
    expect(staff.body).toMatchObject({ total: 2, page: 1, pageSize: 20 });
    const inactive = await t
      .http()
      .get(`/api/stores/${store.id}/goods?active=false`)
      .set(bearer(admin))
      .expect(200);
    expect(inactive.body.items.map((g: Goods) => g.id)).toEqual([off.id]);
    const seen = await t
      .http()
      .get(`/api/stores/${store.id}/goods?active=false`)
      .set(bearer(villagerAToken))
      .expect(200);
    expect(seen.body.items.map((g: Goods) => g.id)).toEqual([onSale.id]);
  });

  it('PATCH /api/goods/:id: name, price and active by the store’s shopkeeper or an admin; stock is not editable', async () => {
    const g = await newGoods(t, shopA, storeA.id, { name: '肥皂', pointsPrice: 15, stock: 3 });
    await t.http().patch(`/api/goods/${g.id}`).send({ pointsPrice: 20 }).expect(401);
    await t
      .http()
      .patch(`/api/goods/${g.id}`)
      .set(bearer(cadreA))
      .send({ pointsPrice: 20 })
      .expect(403);
    await t
      .http()
      .patch(`/api/goods/${g.id}`)
      .set(bearer(villagerAToken))
      .send({ pointsPrice: 20 })
      .expect(403);
    await t
      .http()
      .patch(`/api/goods/${g.id}`)
      .set(bearer(shopB))
      .send({ pointsPrice: 20 })
      .expect(404);
    await t
      .http()
      .patch('/api/goods/999999')
      .set(bearer(admin))
      .send({ pointsPrice: 20 })
      .expect(404);
    await t.http().patch('/api/goods/0').set(bearer(admin)).send({ pointsPrice: 20 }).expect(400);
    for (const [body, field] of [
      [{ pointsPrice: 0 }, 'pointsPrice'],
      [{ name: '' }, 'name'],
      [{ active: 1 }, 'active'],
      [{ stock: 100 }, 'stock'],
    ] as const) {
      const res = await t
        .http()
        .patch(`/api/goods/${g.id}`)
        .set(bearer(shopA))
        .send(body)
        .expect(400);
      expect(messageOf(res.body)).toContain(field);
    }
    const res = await t
      .http()
      .patch(`/api/goods/${g.id}`)
      .set(bearer(shopA))
      .send({ name: '香皂', pointsPrice: 18, active: false })
      .expect(200);
    expect(res.body).toMatchObject({
      id: g.id,
      name: '香皂',
      pointsPrice: 18,
      active: false,
      stock: 3,
    });
    await t
      .http()
      .patch(`/api/goods/${g.id}`)
      .set(bearer(admin))
      .send({ active: true })
      .expect(200);
  });
});

describe('stock movements', () => {
  it('POST: 401, 403 for cadre and villager, 404 for another store’s goods', async () => {
    const g = await newGoods(t, shopA, storeA.id);
    const body = { delta: 5, reason: 'restock' };
    await t.http().post(`/api/goods/${g.id}/stock-movements`).send(body).expect(401);
    for (const token of [cadreA, villagerAToken]) {
      await t
        .http()
        .post(`/api/goods/${g.id}/stock-movements`)
        .set(bearer(token))
        .send(body)
        .expect(403);
    }
    await t
      .http()
      .post(`/api/goods/${g.id}/stock-movements`)
      .set(bearer(shopB))
      .send(body)
      .expect(404);
    await t
      .http()
      .post('/api/goods/999999/stock-movements')
      .set(bearer(admin))
      .send(body)
      .expect(404);
    expect(await stockOf(g.id)).toBe(10);
  });

  it.each([
    [{ reason: 'restock' }, 'delta'],
    [{ delta: 0, reason: 'restock' }, 'delta'],
    [{ delta: 1.5, reason: 'restock' }, 'delta'],
    [{ delta: 10_000_000, reason: 'restock' }, 'delta'],
    [{ delta: -2, reason: 'restock' }, 'delta'],
    [{ delta: 2 }, 'reason'],
    [{ delta: 2, reason: 'redemption' }, 'reason'],
    [{ delta: 2, reason: 'cancellation' }, 'reason'],
    [{ delta: 2, reason: 'restock', note: 'n'.repeat(201) }, 'note'],
    [{ delta: 2, reason: 'restock', actorId: 1 }, 'actorId'],
  ])('POST %j → 400 naming %s', async (body, field) => {
    const g = await newGoods(t, shopA, storeA.id);
    const res = await t
      .http()
      .post(`/api/goods/${g.id}/stock-movements`)
      .set(bearer(shopA))
      .send(body)
      .expect(400);
    expect(messageOf(res.body)).toContain(field);
    expect(await stockOf(g.id)).toBe(10);
  });

  it('restock and correction record who and why; stock may not go below zero (409) and equals the sum of movements', async () => {
    const g = await newGoods(t, shopA, storeA.id, { stock: 4 });
    const restock = await t
      .http()
      .post(`/api/goods/${g.id}/stock-movements`)
      .set(bearer(shopA))
      .send({ delta: 6, reason: 'restock', note: '镇上进货' })
      .expect(201);
    expect(restock.body).toMatchObject({
      goodsId: g.id,
      delta: 6,
      reason: 'restock',
      note: '镇上进货',
      stockAfter: 10,
    });
    const correction = await t
      .http()
      .post(`/api/goods/${g.id}/stock-movements`)
      .set(bearer(admin))
      .send({ delta: -3, reason: 'correction', note: '盘点少了三袋' })
      .expect(201);
    expect(correction.body).toMatchObject({ delta: -3, reason: 'correction', stockAfter: 7 });
    const refused = await t
      .http()
      .post(`/api/goods/${g.id}/stock-movements`)
      .set(bearer(shopA))
      .send({ delta: -8, reason: 'correction' })
      .expect(409);
    expect(refused.body).toMatchObject({ statusCode: 409, code: 'OUT_OF_STOCK' });
    expect(await stockOf(g.id)).toBe(7);

    const list = await t
      .http()
      .get(`/api/goods/${g.id}/stock-movements?pageSize=2`)
      .set(bearer(shopA))
      .expect(200);
    expect(list.body).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect(list.body.items.map((m: StockMovement) => m.delta)).toEqual([-3, 6]); // newest first
    expect(list.body.items[0].actorId).not.toBe(list.body.items[1].actorId); // admin, then shopkeeper
    const sum = await t.ds.getRepository(StockMovement).sum('delta', { goodsId: g.id });
    expect(sum).toBe(7);
  });

  it('stock cannot be pushed past the integer column (409, not a database error)', async () => {
    const g = await newGoods(t, shopA, storeA.id, { stock: 0 });
    // Near the limit through a movement written straight to the database, so stock = sum still holds.
    await t.ds.getRepository(Goods).update({ id: g.id }, { stock: 2147483000 });
    await t.ds.getRepository(StockMovement).insert({
      goodsId: g.id,
      delta: 2147483000,
      reason: 'correction',
      note: 'test: near the limit',
      actorId: 1,
      createdAt: new Date(),
    });
    const res = await t
      .http()
      .post(`/api/goods/${g.id}/stock-movements`)
      .set(bearer(shopA))
      .send({ delta: 1_000_000, reason: 'restock' })
      .expect(409);
    expect(res.body.code).toBe('STOCK_LIMIT');
  });

  it('GET: 401, 403 for cadre, 404 for another store, 400 for a bad page', async () => {
    const g = await newGoods(t, shopA, storeA.id);
    await t.http().get(`/api/goods/${g.id}/stock-movements`).expect(401);
    await t.http().get(`/api/goods/${g.id}/stock-movements`).set(bearer(cadreA)).expect(403);
    await t
      .http()
      .get(`/api/goods/${g.id}/stock-movements`)
      .set(bearer(villagerAToken))
      .expect(403);
    await t.http().get(`/api/goods/${g.id}/stock-movements`).set(bearer(shopB)).expect(404);
    await t.http().get(`/api/goods/${g.id}/stock-movements?page=0`).set(bearer(shopA)).expect(400);
    await t.http().get(`/api/goods/${g.id}/stock-movements`).set(bearer(admin)).expect(200);
  });
});

describe('redemptions', () => {
  /** A fresh villager of village A with points, and goods of store A. */
  async function scene(points = 1000, goods: Record<string, unknown>[] = [{}]) {
    const villager = await t.newVillager(villageA.id, { name: '王五' });
    if (points) await grant(villager.id, points);
    const items: Goods[] = [];
    for (const g of goods) items.push(await newGoods(t, shopA, storeA.id, g));
    return { villager, goods: items };
  }

  const redeem = (token: string, body: object, key?: string) => {
    const req = t.http().post('/api/redemptions').set(bearer(token));
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send(body);
  };

  async function nothingChanged(villagerId: number, balance: number, stocks: [number, number][]) {
    expect(await balanceOf(villagerId)).toBe(balance);
    expect(await t.ds.getRepository(Redemption).countBy({ villagerId })).toBe(0);
    expect(await t.ds.getRepository(LedgerEntry).countBy({ villagerId, kind: 'redemption' })).toBe(
      0,
    );
    for (const [goodsId, stock] of stocks) expect(await stockOf(goodsId)).toBe(stock);
  }

  it('POST: 401; 403 for villager, cadre and admin; 403 at another store', async () => {
    const { villager, goods } = await scene();
    const body = {
      villagerId: villager.id,
      storeId: storeA.id,
      items: [{ goodsId: goods[0].id, quantity: 1 }],
    };
    await t.http().post('/api/redemptions').send(body).expect(401);
    for (const token of [villagerAToken, cadreA, admin]) await redeem(token, body).expect(403);
    await redeem(shopB, body).expect(403);
    await nothingChanged(villager.id, 1000, [[goods[0].id, 10]]);
  });

  it.each([
    [{ storeId: 1, items: [{ goodsId: 1, quantity: 1 }] }, 'villagerId'],
    [{ villagerId: 1, items: [{ goodsId: 1, quantity: 1 }] }, 'storeId'],
    [{ villagerId: 1, storeId: 1 }, 'items'],
    [{ villagerId: 1, storeId: 1, items: [] }, 'items'],
    [{ villagerId: 1, storeId: 1, items: 'soap' }, 'items'],
    [{ villagerId: 1, storeId: 1, items: [1] }, 'items'],
    [{ villagerId: 1, storeId: 1, items: [{ goodsId: 1, quantity: 0 }] }, 'items.0.quantity'],
    [{ villagerId: 1, storeId: 1, items: [{ goodsId: 1, quantity: -1 }] }, 'items.0.quantity'],
    [{ villagerId: 1, storeId: 1, items: [{ goodsId: 1, quantity: 1.5 }] }, 'items.0.quantity'],
    [{ villagerId: 1, storeId: 1, items: [{ goodsId: 1, quantity: 10_001 }] }, 'items.0.quantity'],
    [{ villagerId: 1, storeId: 1, items: [{ goodsId: '1', quantity: 1 }] }, 'items.0.goodsId'],
    [
      { villagerId: 1, storeId: 1, items: [{ goodsId: 99999999999, quantity: 1 }] },
      'items.0.goodsId',
    ],
    [
      { villagerId: 1, storeId: 1, items: [{ goodsId: 1, quantity: 1, unitPrice: 0 }] },
      'unitPrice',
    ],
    [{ villagerId: 1, storeId: 1, items: [{ goodsId: 1, quantity: 1 }], total: 0 }, 'total'],
    [{ villagerId: 99999999999, storeId: 1, items: [{ goodsId: 1, quantity: 1 }] }, 'villagerId'],
  ])('POST %j → 400 naming %s', async (body, field) => {
    const res = await redeem(shopA, body).expect(400);
    expect(messageOf(res.body)).toContain(field);
  });

  it('POST: more than 50 lines → 400', async () => {
    const items = Array.from({ length: 51 }, (_, i) => ({ goodsId: i + 1, quantity: 1 }));
    const res = await redeem(shopA, { villagerId: 1, storeId: storeA.id, items }).expect(400);
    expect(messageOf(res.body)).toContain('items');
  });

  it.each([
    ['too long', 'k'.repeat(101)],
    ['empty', ''],
    ['with a space', 'two words'],
  ])('an Idempotency-Key %s → 400 naming the header', async (_, key) => {
    const { villager, goods } = await scene();
    const body = {
      villagerId: villager.id,
      storeId: storeA.id,
      items: [{ goodsId: goods[0].id, quantity: 1 }],
    };
    const res = await redeem(shopA, body, key).expect(400);
    expect(messageOf(res.body)).toContain('Idempotency-Key');
    await nothingChanged(villager.id, 1000, [[goods[0].id, 10]]);
  });

  it('debits the balance, decrements stock, merges repeated goods and copies prices; a later price change leaves the receipt alone', async () => {
    const { villager, goods } = await scene(1000, [
      { name: '洗衣粉', pointsPrice: 30, stock: 10 },
      { name: '食用油', pointsPrice: 120, stock: 5 },
    ]);
    const [soap, oil] = goods;
    const res = await redeem(shopA, {
      villagerId: villager.id,
      storeId: storeA.id,
      items: [
        { goodsId: oil.id, quantity: 1 },
        { goodsId: soap.id, quantity: 2 },
        { goodsId: soap.id, quantity: 1 },
      ],
    }).expect(201);
    expect(res.body).toMatchObject({
      storeId: storeA.id,
      villagerId: villager.id,
      villageId: villageA.id,
      total: 210,
      status: 'completed',
      idempotencyKey: null,
      cancelledAt: null,
      items: [
        { goodsId: soap.id, goodsName: '洗衣粉', quantity: 3, unitPrice: 30, amount: 90 },
        { goodsId: oil.id, goodsName: '食用油', quantity: 1, unitPrice: 120, amount: 120 },
      ],
    });
    expect(await balanceOf(villager.id)).toBe(790);
    expect(await stockOf(soap.id)).toBe(7);
    expect(await stockOf(oil.id)).toBe(4);
    const entry = await t.ds
      .getRepository(LedgerEntry)
      .findOneByOrFail({ villagerId: villager.id, kind: 'redemption' });
    expect(entry).toMatchObject({ delta: -210, redemptionId: res.body.id, balanceAfter: 790 });
    const moves = await t.ds.getRepository(StockMovement).findBy({ redemptionId: res.body.id });
    expect(moves.map((m) => [m.goodsId, m.delta, m.reason]).sort()).toEqual(
      [
        [soap.id, -3, 'redemption'],
        [oil.id, -1, 'redemption'],
      ].sort(),
    );

    await t
      .http()
      .patch(`/api/goods/${soap.id}`)
      .set(bearer(shopA))
      .send({ pointsPrice: 99 })
      .expect(200);
    const receipt = await t
      .http()
      .get(`/api/redemptions/${res.body.id}`)
      .set(bearer(shopA))
      .expect(200);
    expect(receipt.body).toEqual(res.body);
  });

  it('refuses with 409 and changes nothing: not enough points, not enough stock, goods off sale', async () => {
    const { villager, goods } = await scene(100, [
      { name: '洗衣粉', pointsPrice: 30, stock: 10 },
      { name: '热水瓶', pointsPrice: 10, stock: 1 },
      { name: '下架品', pointsPrice: 10, stock: 5, active: false },
    ]);
    const [soap, flask, off] = goods;
    const base = { villagerId: villager.id, storeId: storeA.id };
    const poor = await redeem(shopA, {
      ...base,
      items: [{ goodsId: soap.id, quantity: 4 }],
    }).expect(409);
    expect(poor.body.code).toBe('INSUFFICIENT_POINTS');
    const short = await redeem(shopA, {
      ...base,
      items: [
        { goodsId: soap.id, quantity: 1 },
        { goodsId: flask.id, quantity: 2 },
      ],
    }).expect(409);
    expect(short.body.code).toBe('OUT_OF_STOCK');
    expect(short.body.message).toContain('热水瓶');
    const offSale = await redeem(shopA, {
      ...base,
      items: [{ goodsId: off.id, quantity: 1 }],
    }).expect(409);
    expect(offSale.body.code).toBe('GOODS_INACTIVE');
    await nothingChanged(villager.id, 100, [
      [soap.id, 10],
      [flask.id, 1],
      [off.id, 5],
    ]);
  });

  it('a total past any possible balance is 409 INSUFFICIENT_POINTS, not a database error', async () => {
    const { villager, goods } = await scene(100, [
      { name: '金条', pointsPrice: 1_000_000, stock: 1_000_000 },
    ]);
    const res = await redeem(shopA, {
      villagerId: villager.id,
      storeId: storeA.id,
      items: [
        { goodsId: goods[0].id, quantity: 10_000 },
        { goodsId: goods[0].id, quantity: 10_000 },
      ],
    }).expect(409);
    expect(res.body.code).toBe('INSUFFICIENT_POINTS');
    await nothingChanged(villager.id, 100, [[goods[0].id, 1_000_000]]);
  });

  it('refuses a villager of a village the store does not serve, an unknown villager or goods, and an inactive villager', async () => {
    const { goods } = await scene(0);
    const outsider = await t.newVillager(villageB.id);
    await grant(outsider.id, 500);
    const item = [{ goodsId: goods[0].id, quantity: 1 }];
    const res = await redeem(shopA, {
      villagerId: outsider.id,
      storeId: storeA.id,
      items: item,
    }).expect(409);
    expect(res.body.code).toBe('VILLAGE_NOT_SERVED');
    await nothingChanged(outsider.id, 500, [[goods[0].id, 10]]);

    await redeem(shopA, { villagerId: 999999, storeId: storeA.id, items: item }).expect(404);

    const { villager } = await scene(500, []);
    const otherStoreGoods = await newGoods(t, shopB, storeB.id);
    await redeem(shopA, {
      villagerId: villager.id,
      storeId: storeA.id,
      items: [{ goodsId: otherStoreGoods.id, quantity: 1 }],
    }).expect(404);
    await redeem(shopA, {
      villagerId: villager.id,
      storeId: storeA.id,
      items: [{ goodsId: 999999, quantity: 1 }],
    }).expect(404);

    const moved = await t.newVillager(villageA.id, { status: 'moved' });
    await grant(moved.id, 500);
    const gone = await redeem(shopA, {
      villagerId: moved.id,
      storeId: storeA.id,
      items: item,
    }).expect(409);
    expect(gone.body.code).toBe('VILLAGER_NOT_ACTIVE');
    await nothingChanged(villager.id, 500, [[otherStoreGoods.id, 10]]);
  });

  describe('Idempotency-Key', () => {
    it('a retry returns the first redemption, without a second debit; an equivalent body counts as the same', async () => {
      const { villager, goods } = await scene(1000, [{ pointsPrice: 30 }]);
      const body = {
        villagerId: villager.id,
        storeId: storeA.id,
        items: [{ goodsId: goods[0].id, quantity: 2 }],
      };
      const first = await redeem(shopA, body, 'till1-0001').expect(201);
      expect(first.body.idempotencyKey).toBe('till1-0001');
      const again = await redeem(shopA, body, 'till1-0001').expect(201);
      expect(again.body).toEqual(first.body);
      const split = await redeem(
        shopA,
        {
          ...body,
          items: [
            { goodsId: goods[0].id, quantity: 1 },
            { goodsId: goods[0].id, quantity: 1 },
          ],
        },
        'till1-0001',
      ).expect(201);
      expect(split.body.id).toBe(first.body.id);
      expect(await balanceOf(villager.id)).toBe(940);
      expect(await stockOf(goods[0].id)).toBe(8);
      expect(await t.ds.getRepository(Redemption).countBy({ villagerId: villager.id })).toBe(1);
    });

    it('the same key with another body is 409 IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
      const { villager, goods } = await scene(1000, [{ pointsPrice: 30 }]);
      const body = {
        villagerId: villager.id,
        storeId: storeA.id,
        items: [{ goodsId: goods[0].id, quantity: 1 }],
      };
      await redeem(shopA, body, 'reused-key').expect(201);
      const res = await redeem(
        shopA,
        { ...body, items: [{ goodsId: goods[0].id, quantity: 3 }] },
        'reused-key',
      ).expect(409);
      expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      const other = await t.newVillager(villageA.id);
      await grant(other.id, 100);
      await redeem(shopA, { ...body, villagerId: other.id }, 'reused-key').expect(409);
      expect(await balanceOf(villager.id)).toBe(970);
      expect(await balanceOf(other.id)).toBe(100);
    });

    it('a failed request does not use up its key; keys are per store', async () => {
      const { villager, goods } = await scene(20, [{ pointsPrice: 30 }]);
      const body = {
        villagerId: villager.id,
        storeId: storeA.id,
        items: [{ goodsId: goods[0].id, quantity: 1 }],
      };
      await redeem(shopA, body, 'retry-after-topup').expect(409);
      await grant(villager.id, 20);
      await redeem(shopA, body, 'retry-after-topup').expect(201);
      expect(await balanceOf(villager.id)).toBe(10);

      const villagerB = await t.newVillager(villageB.id);
      await grant(villagerB.id, 100);
      const goodsB = await newGoods(t, shopB, storeB.id, { pointsPrice: 30 });
      await redeem(
        shopB,
        {
          villagerId: villagerB.id,
          storeId: storeB.id,
          items: [{ goodsId: goodsB.id, quantity: 1 }],
        },
        'retry-after-topup',
      ).expect(201);
      expect(await balanceOf(villagerB.id)).toBe(70);
    });
  });

  describe('reading', () => {
    let mine: { id: number };
    let theirs: { id: number };
    let villager: Villager;
    beforeAll(async () => {
      ({ villager } = await scene(1000, []));
      const goods = await newGoods(t, shopA, storeA.id, { pointsPrice: 10 });
      await grant(villagerA.id, 100);
      mine = (
        await redeem(shopA, {
          villagerId: villagerA.id,
          storeId: storeA.id,
          items: [{ goodsId: goods.id, quantity: 1 }],
        }).expect(201)
      ).body;
      await redeem(shopA, {
        villagerId: villager.id,
        storeId: storeA.id,
        items: [{ goodsId: goods.id, quantity: 2 }],
      }).expect(201);
      const villagerB = await t.newVillager(villageB.id);
      await grant(villagerB.id, 100);
      const goodsB = await newGoods(t, shopB, storeB.id, { pointsPrice: 10 });
      theirs = (
        await redeem(shopB, {
          villagerId: villagerB.id,
          storeId: storeB.id,
          items: [{ goodsId: goodsB.id, quantity: 1 }],
        }).expect(201)
      ).body;
    });

    it('GET /api/redemptions: 401, 403 for a cadre or another store, scoped per role, filtered, paginated, newest first', async () => {
      await t.http().get('/api/redemptions').expect(401);
      await t.http().get('/api/redemptions').set(bearer(cadreA)).expect(403);
      await t.http().get(`/api/redemptions?storeId=${storeB.id}`).set(bearer(shopA)).expect(403);
      await t
        .http()
        .get(`/api/redemptions?villagerId=${villager.id}`)
        .set(bearer(villagerAToken))
        .expect(403);
      for (const bad of ['storeId=x', 'villagerId=0', 'status=refunded', 'pageSize=201']) {
        const res = await t.http().get(`/api/redemptions?${bad}`).set(bearer(admin)).expect(400);
        expect(messageOf(res.body)).toContain(bad.split('=')[0]);
      }

      const shopList = await t
        .http()
        .get('/api/redemptions?pageSize=200')
        .set(bearer(shopA))
        .expect(200);
      const storeIds = new Set(shopList.body.items.map((r: Redemption) => r.storeId));
      expect([...storeIds]).toEqual([storeA.id]);
      const ids = shopList.body.items.map((r: Redemption) => r.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(ids).not.toContain(theirs.id);

      const byVillager = await t
        .http()
        .get(`/api/redemptions?villagerId=${villager.id}`)
        .set(bearer(shopA))
        .expect(200);
      expect(byVillager.body).toMatchObject({ total: 1, page: 1, pageSize: 20 });
      expect(byVillager.body.items[0]).toMatchObject({
        villagerId: villager.id,
        total: 20,
        items: [{ quantity: 2 }],
      });

      const adminB = await t
        .http()
        .get(`/api/redemptions?storeId=${storeB.id}&pageSize=1`)
        .set(bearer(admin))
        .expect(200);
      expect(adminB.body.items).toHaveLength(1);
      expect(adminB.body.items[0].storeId).toBe(storeB.id);

      const own = await t.http().get('/api/redemptions').set(bearer(villagerAToken)).expect(200);
      expect(own.body.items.map((r: Redemption) => r.id)).toEqual([mine.id]);
    });

    it('GET /api/redemptions/:id: a receipt for the store, an admin and the villager; 404 for anyone else', async () => {
      await t.http().get(`/api/redemptions/${mine.id}`).expect(401);
      await t.http().get(`/api/redemptions/${mine.id}`).set(bearer(cadreA)).expect(403);
      await t.http().get(`/api/redemptions/${mine.id}`).set(bearer(shopB)).expect(404);
      await t.http().get(`/api/redemptions/${theirs.id}`).set(bearer(villagerAToken)).expect(404);
      await t.http().get('/api/redemptions/999999').set(bearer(admin)).expect(404);
      await t.http().get('/api/redemptions/1.5').set(bearer(admin)).expect(400);
      for (const token of [shopA, admin, villagerAToken]) {
        const res = await t
          .http()
          .get(`/api/redemptions/${mine.id}`)
          .set(bearer(token))
          .expect(200);
        expect(res.body).toMatchObject({
          id: mine.id,
          total: 10,
          items: [{ quantity: 1, unitPrice: 10 }],
        });
      }
    });
  });

  describe('cancel', () => {
    it('401; 403 for villager and cadre; 404 at another store; 400 without a reason', async () => {
      const { villager, goods } = await scene(100, [{ pointsPrice: 10 }]);
      const r = await redeem(shopA, {
        villagerId: villager.id,
        storeId: storeA.id,
        items: [{ goodsId: goods[0].id, quantity: 1 }],
      }).expect(201);
      const url = `/api/redemptions/${r.body.id}/cancel`;
      await t.http().post(url).send({ reason: '退' }).expect(401);
      for (const token of [villagerAToken, cadreA]) {
        await t.http().post(url).set(bearer(token)).send({ reason: '退' }).expect(403);
      }
      await t.http().post(url).set(bearer(shopB)).send({ reason: '退' }).expect(404);
      await t
        .http()
        .post('/api/redemptions/999999/cancel')
        .set(bearer(admin))
        .send({ reason: '退' })
        .expect(404);
      for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'r'.repeat(201) }]) {
        const res = await t.http().post(url).set(bearer(shopA)).send(body).expect(400);
        expect(messageOf(res.body)).toContain('reason');
      }
      expect(await balanceOf(villager.id)).toBe(90);
    });

    it('refunds the points and restocks, once; a second cancel is 409', async () => {
      const { villager, goods } = await scene(1000, [
        { name: '洗衣粉', pointsPrice: 30, stock: 10 },
        { name: '食用油', pointsPrice: 120, stock: 5 },
      ]);
      const r = await redeem(shopA, {
        villagerId: villager.id,
        storeId: storeA.id,
        items: [
          { goodsId: goods[1].id, quantity: 2 },
          { goodsId: goods[0].id, quantity: 3 },
        ],
      }).expect(201);
      expect(await balanceOf(villager.id)).toBe(670);
      const res = await t
        .http()
        .post(`/api/redemptions/${r.body.id}/cancel`)
        .set(bearer(shopA))
        .send({ reason: '村民退回食用油' })
        .expect(200);
      expect(res.body).toMatchObject({
        id: r.body.id,
        status: 'cancelled',
        cancelReason: '村民退回食用油',
        cancelledBy: expect.any(Number),
        cancelledAt: expect.any(String),
        items: r.body.items,
      });
      expect(await balanceOf(villager.id)).toBe(1000);
      expect(await stockOf(goods[0].id)).toBe(10);
      expect(await stockOf(goods[1].id)).toBe(5);
      const refund = await t.ds
        .getRepository(LedgerEntry)
        .findOneByOrFail({ redemptionId: r.body.id, kind: 'refund' });
      expect(refund).toMatchObject({ delta: 330, balanceAfter: 1000 });
      const restocks = await t.ds
        .getRepository(StockMovement)
        .findBy({ redemptionId: r.body.id, reason: 'cancellation' });
      expect(restocks.map((m) => m.delta).sort()).toEqual([2, 3]);

      const again = await t
        .http()
        .post(`/api/redemptions/${r.body.id}/cancel`)
        .set(bearer(admin))
        .send({ reason: '再退一次' })
        .expect(409);
      expect(again.body.code).toBe('ALREADY_CANCELLED');
      expect(await balanceOf(villager.id)).toBe(1000);
      expect(await stockOf(goods[0].id)).toBe(10);

      // a retry of the original request still answers with the (now cancelled) first redemption
      const got = await t
        .http()
        .get(`/api/redemptions/${r.body.id}`)
        .set(bearer(shopA))
        .expect(200);
      expect(got.body.status).toBe('cancelled');
    });
  });
});

describe('input that once reached the database as a 500', () => {
  // Each of these was a 500 on PostgreSQL before the DTOs refused it: NUL is not valid in
  // PostgreSQL text, and null passed IsOptional straight into NOT NULL columns.
  let goods: Goods;
  let redemptionId: number;
  beforeAll(async () => {
    goods = await newGoods(t, shopA, storeA.id, { name: '探针', pointsPrice: 1, stock: 5 });
    const villager = await t.newVillager(villageA.id);
    await grant(villager.id, 10);
    const res = await t
      .http()
      .post('/api/redemptions')
      .set(bearer(shopA))
      .send({
        villagerId: villager.id,
        storeId: storeA.id,
        items: [{ goodsId: goods.id, quantity: 1 }],
      })
      .expect(201);
    redemptionId = res.body.id;
  });

  type Case = [string, 'post' | 'patch', () => string, object, string];
  it.each<Case>([
    [
      'a store name with NUL',
      'post',
      () => '/api/stores',
      { name: 'a\u0000b', villageIds: [1] },
      'name',
    ],
    [
      'a goods name with NUL',
      'post',
      () => `/api/stores/${storeA.id}/goods`,
      { name: 'a\u0000b', pointsPrice: 1 },
      'name',
    ],
    [
      'a goods rename with a control character',
      'patch',
      () => `/api/goods/${goods.id}`,
      { name: 'a\u0007b' },
      'name',
    ],
    [
      'a stock note with NUL',
      'post',
      () => `/api/goods/${goods.id}/stock-movements`,
      { delta: 1, reason: 'restock', note: 'x\u0000' },
      'note',
    ],
    [
      'a cancel reason with NUL',
      'post',
      () => `/api/redemptions/${redemptionId}/cancel`,
      { reason: '退\u0000货' },
      'reason',
    ],
    ['a null goods name', 'patch', () => `/api/goods/${goods.id}`, { name: null }, 'name'],
    ['a null price', 'patch', () => `/api/goods/${goods.id}`, { pointsPrice: null }, 'pointsPrice'],
    ['a null active flag', 'patch', () => `/api/goods/${goods.id}`, { active: null }, 'active'],
    [
      'a null opening stock',
      'post',
      () => `/api/stores/${storeA.id}/goods`,
      { name: '油', pointsPrice: 1, stock: null },
      'stock',
    ],
    ['a null store name', 'patch', () => `/api/stores/${storeA.id}`, { name: null }, 'name'],
    [
      'null villages',
      'patch',
      () => `/api/stores/${storeA.id}`,
      { villageIds: null },
      'villageIds',
    ],
  ])('%s → 400', async (_, method, url, body, field) => {
    const res = await t.http()[method](url()).set(bearer(admin)).send(body).expect(400);
    expect(messageOf(res.body)).toContain(field);
  });

  it('tabs and line breaks in a note are fine', async () => {
    await t
      .http()
      .post(`/api/goods/${goods.id}/stock-movements`)
      .set(bearer(shopA))
      .send({ delta: 1, reason: 'restock', note: '第一行\n\t第二行' })
      .expect(201);
  });

  it('a partial PATCH answers with the whole goods, not only the fields sent', async () => {
    const res = await t
      .http()
      .patch(`/api/goods/${goods.id}`)
      .set(bearer(shopA))
      .send({ active: true })
      .expect(200);
    expect(res.body).toMatchObject({ id: goods.id, name: '探针', pointsPrice: 1, active: true });
    const empty = await t
      .http()
      .patch(`/api/goods/${goods.id}`)
      .set(bearer(shopA))
      .send({})
      .expect(200);
    expect(empty.body).toMatchObject({ name: '探针', pointsPrice: 1 });
  });
});

describe('OpenAPI', () => {
  it('documents the store routes', async () => {
    const res = await t.http().get('/api/docs-json').expect(200);
    for (const path of [
      '/api/stores',
      '/api/stores/{id}',
      '/api/stores/{id}/goods',
      '/api/goods/{id}',
      '/api/goods/{id}/stock-movements',
      '/api/redemptions',
      '/api/redemptions/{id}',
      '/api/redemptions/{id}/cancel',
    ]) {
      expect(res.body.paths[path]).toBeDefined();
    }
  });
});

describe('invariants over everything above', () => {
  it('every goods: stock = sum of its movements, never below zero', async () => {
    const rows: { id: number; stock: number; moved: number | string | null }[] = await t.ds.query(
      `SELECT g.id, g.stock, (SELECT SUM(m.delta) FROM stock_movements m WHERE m.goods_id = g.id) AS moved
       FROM goods g`,
    );
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) {
      expect(r.stock).toBeGreaterThanOrEqual(0);
      expect(Number(r.moved ?? 0)).toBe(r.stock);
    }
  });

  it('every villager: balance = sum of ledger entries, never below zero here', async () => {
    const rows: { balance: number; total: number | string | null }[] = await t.ds.query(
      `SELECT v.balance, (SELECT SUM(e.delta) FROM ledger_entries e WHERE e.villager_id = v.id) AS total
       FROM villagers v`,
    );
    for (const r of rows) {
      expect(r.balance).toBeGreaterThanOrEqual(0);
      expect(Number(r.total ?? 0)).toBe(r.balance);
    }
  });
});
