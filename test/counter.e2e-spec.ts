import { Tx } from '../src/db/transaction';
import { HouseholdCard } from '../src/households/household-card.entity';
import { LedgerService } from '../src/ledger/ledger.service';
import { Redemption } from '../src/store/redemption.entity';
import type { Store } from '../src/store/store.entity';
import type { Household, Village } from '../src/villages/village.entity';
import type { Villager } from '../src/villagers/villager.entity';
import { bearer, createTestApp, TestApp } from './app';
import { grantPoints } from './factories';

/** The shop counter's reads (villager search, today's receipts) and printing a sheet of cards. */
let t: TestApp;
let admin: string;
let a: Village;
let b: Village;
let c: Village;
let store: Store;
let storeC: Store;
let shop: string;
let shopC: string;
let cadreA: string;
let cadreB: string;
let homes: Household[];
let wang: Villager;
let wangSon: Villager;
let li: Villager;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
  a = await t.newVillage({ name: '石井村', town: '杉山镇' });
  b = await t.newVillage({ name: '杉山村', town: '杉山镇' });
  c = await t.newVillage({ name: '别处村' });
  store = await t.newStore([a.id, b.id], '杉山镇积分超市');
  storeC = await t.newStore([c.id], '别处超市');
  shop = await t.tokenFor('shopkeeper', { storeId: store.id });
  shopC = await t.tokenFor('shopkeeper', { storeId: storeC.id });
  cadreA = await t.tokenFor('cadre', { villageId: a.id });
  cadreB = await t.tokenFor('cadre', { villageId: b.id });
  homes = [
    await t.newHousehold(a.id, { householdNo: '002', headName: '王大山' }),
    await t.newHousehold(a.id, { householdNo: '001', headName: '李秀英' }),
  ];
  wang = await t.newVillager(a.id, { name: '王大山', householdId: homes[0].id });
  wangSon = await t.newVillager(a.id, { name: '王小山', householdId: homes[0].id });
  li = await t.newVillager(b.id, { name: '王李氏' });
  await t.newVillager(a.id, { name: '王迁出', status: 'moved' });
  await t.newVillager(c.id, { name: '王别村' });
  await grantPoints(t.app.get(Tx), t.app.get(LedgerService), wang.id, 25);
});
afterAll(() => t.close());

describe('GET /api/stores/:id/villagers (counter search)', () => {
  const path = (q: string, id = store.id) =>
    `/api/stores/${id}/villagers?q=${encodeURIComponent(q)}`;

  it('401 without a token; 403 for a cadre, a villager or another store’s keeper; 404 for no store; 400 without q', async () => {
    await t.http().get(path('王')).expect(401);
    await t.http().get(path('王')).set(bearer(cadreA)).expect(403);
    const villager = await t.tokenFor('villager', { villageId: a.id, villagerId: wang.id });
    await t.http().get(path('王')).set(bearer(villager)).expect(403);
    await t.http().get(path('王')).set(bearer(shopC)).expect(403);
    await t.http().get(path('王', 999999)).set(bearer(admin)).expect(404);
    const noQ = await t.http().get(`/api/stores/${store.id}/villagers`).set(bearer(shop));
    expect(noQ.status).toBe(400);
    expect(JSON.stringify(noQ.body.message)).toContain('q');
    await t
      .http()
      .get(path('王') + '&pageSize=201')
      .set(bearer(shop))
      .expect(400);
    await t
      .http()
      .get(path('王') + '&page=3&pageSize=100')
      .set(bearer(shop))
      .expect(400);
  });

  it('finds active villagers of every served village, with village, household and balance, and nothing more', async () => {
    const res = await t.http().get(path('王')).set(bearer(shop)).expect(200);
    expect(res.body).toMatchObject({ total: 3, page: 1, pageSize: 20 });
    expect(res.body.items).toEqual([
      {
        villagerId: wang.id,
        name: '王大山',
        villageId: a.id,
        villageName: '石井村',
        householdId: homes[0].id,
        householdNo: '002',
        birthYear: null,
        relation: null,
        balance: 25,
        expiring: [],
      },
      expect.objectContaining({ villagerId: wangSon.id, householdNo: '002', balance: 0 }),
      expect.objectContaining({ villagerId: li.id, villageName: '杉山村', householdId: null }),
    ]);
    // moved away and other villages are not found
    const names = res.body.items.map((v: { name: string }) => v.name);
    expect(names).not.toContain('王迁出');
    expect(names).not.toContain('王别村');
    // paging across the served villages
    const second = await t
      .http()
      .get(`${path('王')}&page=2&pageSize=2`)
      .set(bearer(shop));
    expect(second.body).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(second.body.items.map((v: { name: string }) => v.name)).toEqual(['王李氏']);
    await t.http().get(path('王')).set(bearer(admin)).expect(200);
  });
});

describe('GET /api/stores/:id/redemptions/today', () => {
  it('401; 403 for a cadre or another store’s keeper; 400 for a bad page; today’s receipts with names, newest first', async () => {
    const path = `/api/stores/${store.id}/redemptions/today`;
    await t.http().get(path).expect(401);
    await t.http().get(path).set(bearer(cadreA)).expect(403);
    await t.http().get(path).set(bearer(shopC)).expect(403);
    await t.http().get(`${path}?page=0`).set(bearer(shop)).expect(400);
    const goods = (
      await t
        .http()
        .post(`/api/stores/${store.id}/goods`)
        .set(bearer(shop))
        .send({ name: '毛巾', pointsPrice: 5, stock: 10 })
        .expect(201)
    ).body;
    const ids = [];
    for (const quantity of [1, 2]) {
      const r = await t
        .http()
        .post('/api/redemptions')
        .set(bearer(shop))
        .send({ villagerId: wang.id, storeId: store.id, items: [{ goodsId: goods.id, quantity }] })
        .expect(201);
      ids.push(r.body.id);
    }
    // yesterday's receipt (moved back in time) is not today's
    await t.ds
      .getRepository(Redemption)
      .update(ids[0], { createdAt: new Date(Date.now() - 2 * 86400_000) });
    const res = await t.http().get(path).set(bearer(shop)).expect(200);
    expect(res.body).toMatchObject({ total: 1, page: 1 });
    expect(res.body.items[0]).toMatchObject({
      id: ids[1],
      villagerName: '王大山',
      villageName: '石井村',
      total: 10,
      items: [{ goodsName: '毛巾', quantity: 2, unitPrice: 5, amount: 10 }],
    });
    const other = await t
      .http()
      .get(`/api/stores/${storeC.id}/redemptions/today`)
      .set(bearer(shopC));
    expect(other.body.total).toBe(0);
  });
});

describe('POST /api/villages/:villageId/cards (a sheet of cards)', () => {
  const path = (villageId = a.id) => `/api/villages/${villageId}/cards`;

  it('401; 403 for a shopkeeper, an admin or another village’s cadre; 404 for a household of another village; 400 for bad ids', async () => {
    await t.http().post(path()).send({}).expect(401);
    await t.http().post(path()).set(bearer(shop)).send({}).expect(403);
    await t.http().post(path()).set(bearer(admin)).send({}).expect(403);
    await t.http().post(path()).set(bearer(cadreB)).send({}).expect(403);
    const other = await t.newHousehold(b.id);
    await t
      .http()
      .post(path())
      .set(bearer(cadreA))
      .send({ householdIds: [homes[0].id, other.id] })
      .expect(404);
    for (const householdIds of [[], ['x'], [homes[0].id, homes[0].id], 5]) {
      const res = await t.http().post(path()).set(bearer(cadreA)).send({ householdIds });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain('householdIds');
    }
    await t.http().post('/api/villages/abc/cards').set(bearer(cadreA)).send({}).expect(400);
    expect(await t.ds.getRepository(HouseholdCard).countBy({})).toBe(0);
  });

  it('the whole village: a fresh working card per household, in household-number order; older cards stop working', async () => {
    const old = (
      await t.http().post(`/api/households/${homes[0].id}/card`).set(bearer(cadreA)).expect(201)
    ).body.token;
    const res = await t.http().post(path()).set(bearer(cadreA)).expect(201);
    expect(res.body).toMatchObject({ villageId: a.id, villageName: '石井村', town: '杉山镇' });
    expect(res.body.cards.map((c: { householdNo: string }) => c.householdNo)).toEqual([
      '001',
      '002',
    ]);
    expect(res.body.cards[1]).toMatchObject({ householdId: homes[0].id, headName: '王大山' });
    await t.http().get(`/api/cards/${old}`).set(bearer(shop)).expect(404);
    for (const card of res.body.cards) {
      expect(card.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const looked = await t.http().get(`/api/cards/${card.token}`).set(bearer(shop)).expect(200);
      expect(looked.body.householdId).toBe(card.householdId);
    }
    const trail = await t
      .http()
      .get(`/api/audit?entityType=household&entityId=${homes[1].id}`)
      .set(bearer(admin))
      .expect(200);
    expect(trail.body.items[0]).toMatchObject({ action: 'household.card' });
  });

  it('chosen households only: the others keep their cards', async () => {
    const first = (await t.http().post(path()).set(bearer(cadreA)).expect(201)).body.cards;
    const res = await t
      .http()
      .post(path())
      .set(bearer(cadreA))
      .send({ householdIds: [homes[1].id] })
      .expect(201);
    expect(res.body.cards).toHaveLength(1);
    const kept = first.find((c: { householdId: number }) => c.householdId === homes[0].id);
    await t.http().get(`/api/cards/${kept.token}`).set(bearer(shop)).expect(200);
    const replaced = first.find((c: { householdId: number }) => c.householdId === homes[1].id);
    await t.http().get(`/api/cards/${replaced.token}`).set(bearer(shop)).expect(404);
  });
});
