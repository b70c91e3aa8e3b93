import { Goods, StockMovement, Store } from '../src/store/store.entity';
import { Village } from '../src/villages/village.entity';
import { bearer, TestApp } from './app';
import { newGoods, describeStoreInvariants, storeWorld, type StoreWorld } from './factories';

/** 积分超市 (docs/product.md, "The flow"): stores, their goods and stock movements. */
let t: TestApp;
let admin: string;
let villageA: Village;
let villageB: Village;
let storeA: Store;
let storeB: Store;
let shopA: string;
let shopB: string;
let cadreA: string;
let villagerAToken: string;
let stockOf: StoreWorld['stockOf'];

beforeAll(async () => {
  ({ t, admin, villageA, villageB, storeA, storeB, shopA, shopB, cadreA, villagerAToken, stockOf } =
    await storeWorld());
});
afterAll(() => t.close());

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
      items: [{ goodsId: g.id, delta: 8, reason: 'restock', redemptionId: null, note: '初始库存' }],
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

describeStoreInvariants(() => t);
