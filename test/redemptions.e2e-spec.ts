import { LedgerEntry } from '../src/ledger/ledger-entry.entity';
import { Redemption } from '../src/store/redemption.entity';
import { Goods, StockMovement, Store } from '../src/store/store.entity';
import { Villager } from '../src/villagers/villager.entity';
import { Village } from '../src/villages/village.entity';
import { bearer, TestApp } from './app';
import { newGoods, describeStoreInvariants, storeWorld, type StoreWorld } from './factories';

/** 兑换 at the counter: redemptions, retries with an Idempotency-Key, receipts and cancellations. */
let t: TestApp;
let admin: string;
let villageA: Village;
let villageB: Village;
let storeA: Store;
let storeB: Store;
let shopA: string;
let shopB: string;
let cadreA: string;
let villagerA: Villager;
let villagerAToken: string;
let grant: StoreWorld['grant'];
let balanceOf: StoreWorld['balanceOf'];
let stockOf: StoreWorld['stockOf'];

beforeAll(async () => {
  ({
    t,
    admin,
    villageA,
    villageB,
    storeA,
    storeB,
    shopA,
    shopB,
    cadreA,
    villagerA,
    villagerAToken,
    grant,
    balanceOf,
    stockOf,
  } = await storeWorld());
});
afterAll(() => t.close());

const messageOf = (body: { message?: unknown }) => JSON.stringify(body.message);

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

describeStoreInvariants(() => t);
