import { Goods, Store } from '../src/store/store.entity';
import { Village } from '../src/villages/village.entity';
import { bearer, TestApp } from './app';
import { newGoods, describeStoreInvariants, storeWorld, type StoreWorld } from './factories';

/** The store's routes: input that once reached the database as a 500. */
let t: TestApp;
let admin: string;
let villageA: Village;
let storeA: Store;
let shopA: string;
let grant: StoreWorld['grant'];

beforeAll(async () => {
  ({ t, admin, villageA, storeA, shopA, grant } = await storeWorld());
});
afterAll(() => t.close());

const messageOf = (body: { message?: unknown }) => JSON.stringify(body.message);

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

describeStoreInvariants(() => t);
