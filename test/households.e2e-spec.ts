import { todayIn } from '../src/common/time';
import { HouseholdCard } from '../src/households/household-card.entity';
import type { Household, Village } from '../src/villages/village.entity';
import type { Villager } from '../src/villagers/villager.entity';
import { bearer, TestApp } from './app';
import { newRule, twoVillages } from './factories';

/** 户积分 and 积分卡 (docs/product.md): household points, cards issued and looked up at the counter. */
let t: TestApp;
let a: Village;
let b: Village;
let cadreA: string;
let cadreB: string;
let admin: string;
let shopA: string;
let shopB: string;
let home: Household;
let head: Villager;
let son: Villager;
let movedAway: Villager;
let headToken: string;
const today = () => todayIn('Asia/Shanghai');

beforeAll(async () => {
  ({ t, admin, a, b, cadreA, cadreB } = await twoVillages({ name: '石井村', town: '杉山镇' }));
  shopA = await t.tokenFor('shopkeeper', { storeId: (await t.newStore([a.id])).id });
  shopB = await t.tokenFor('shopkeeper', { storeId: (await t.newStore([b.id])).id });
  home = await t.newHousehold(a.id, { headName: '王大山', householdNo: '007' });
  head = await t.newVillager(a.id, { name: '王大山', householdId: home.id });
  son = await t.newVillager(a.id, { name: '王小山', householdId: home.id });
  movedAway = await t.newVillager(a.id, { name: '王二妹', householdId: home.id });
  headToken = await t.tokenFor('villager', { villageId: a.id, villagerId: head.id });
  const rule = await newRule(t, { points: 10 });
  for (const v of [head, son, movedAway, son]) {
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadreA))
      .send({ villagerId: v.id, ruleId: rule.id, occurredOn: today(), description: '帮工' })
      .expect(201);
  }
  await t.ds.query(`UPDATE villagers SET status = 'moved' WHERE id = ${movedAway.id}`);
});
afterAll(() => t.close());

describe('GET /api/households/:id/points', () => {
  const path = () => `/api/households/${home.id}/points`;

  it('401 without a token; 403 for a shopkeeper; 404 for another village or a non-member', async () => {
    await t.http().get(path()).expect(401);
    await t.http().get(path()).set(bearer(shopA)).expect(403);
    await t.http().get(path()).set(bearer(cadreB)).expect(404);
    const outsider = await t.newVillager(a.id);
    const token = await t.tokenFor('villager', { villageId: a.id, villagerId: outsider.id });
    await t.http().get(path()).set(bearer(token)).expect(404);
    await t.http().get('/api/households/abc/points').set(bearer(admin)).expect(400);
  });

  it('the members’ balances summed, with every member and their entries newest first', async () => {
    for (const token of [cadreA, admin, headToken]) {
      const res = await t.http().get(`${path()}?pageSize=3`).set(bearer(token)).expect(200);
      expect(res.body).toMatchObject({
        householdId: home.id,
        householdNo: '007',
        headName: '王大山',
        villageName: '石井村',
        town: '杉山镇',
        total: 40,
        members: [
          { villagerId: head.id, name: '王大山', balance: 10 },
          { villagerId: son.id, name: '王小山', balance: 20 },
          { villagerId: movedAway.id, name: '王二妹', balance: 10 },
        ],
      });
      expect(res.body.entries).toMatchObject({ total: 4, page: 1, pageSize: 3 });
      expect(res.body.entries.items.map((e: { villagerName: string }) => e.villagerName)).toEqual([
        '王小山',
        '王二妹',
        '王小山',
      ]);
    }
  });
});

describe('household cards', () => {
  const issue = (token: string, householdId = home.id) =>
    t.http().post(`/api/households/${householdId}/card`).set(bearer(token));
  const lookUp = (token: string, card: string) =>
    t
      .http()
      .get(`/api/cards/${encodeURIComponent(card)}`)
      .set(bearer(token));

  it('issuing: the village’s cadre only; a random token of at least 128 bits, kept hashed', async () => {
    await t.http().post(`/api/households/${home.id}/card`).expect(401);
    await issue(headToken).expect(403);
    await issue(shopA).expect(403);
    await issue(cadreB).expect(404);
    await t.http().post('/api/households/abc/card').set(bearer(cadreA)).expect(400);
    const one = (await issue(cadreA).expect(201)).body.token as string;
    expect(one).toMatch(/^[A-Za-z0-9_-]{32}$/); // 24 random bytes = 192 bits
    const stored = await t.ds.getRepository(HouseholdCard).findBy({ householdId: home.id });
    expect(JSON.stringify(stored)).not.toContain(one);
  });

  it('the counter looks a card up: active members only; other stores and villages get 404', async () => {
    const card = (await issue(cadreA).expect(201)).body.token as string;
    const res = await lookUp(shopA, card).expect(200);
    expect(res.body).toMatchObject({ householdId: home.id, headName: '王大山', total: 30 });
    expect(res.body.members.map((m: { name: string }) => m.name)).toEqual(['王大山', '王小山']);
    await lookUp(cadreA, card).expect(200);
    await lookUp(shopB, card).expect(404);
    await lookUp(cadreB, card).expect(404);
    await lookUp(headToken, card).expect(403);
    await t.http().get(`/api/cards/${card}`).expect(401);
    for (const bad of ['x'.repeat(32), 'short', 'a'.repeat(300)]) {
      await t.http().get(`/api/cards/${bad}`).set(bearer(shopA)).expect(404);
    }
  });

  it('reissuing revokes the old card at once, with no hint that it was revoked', async () => {
    const old = (await issue(cadreA).expect(201)).body.token as string;
    const fresh = (await issue(cadreA).expect(201)).body.token as string;
    const gone = await lookUp(shopA, old).expect(404);
    const unknown = await lookUp(shopA, 'A'.repeat(32)).expect(404);
    expect(gone.body).toEqual(unknown.body);
    await lookUp(shopA, fresh).expect(200);
  });

  it('lookups are limited per user: a burst is refused with 429', async () => {
    const card = (await issue(cadreA).expect(201)).body.token as string;
    const shop = await t.tokenFor('shopkeeper', { storeId: (await t.newStore([a.id])).id });
    let served = 0;
    let refused = false;
    // 30 a minute: within 61 lookups the limit is met, even if a minute turns over once
    for (let i = 0; i < 61 && !refused; i++) {
      const res = await lookUp(shop, card);
      if (res.status === 429) refused = true;
      else served += Number(res.status === 200);
    }
    expect(refused).toBe(true);
    expect(served).toBeGreaterThanOrEqual(30);
    expect(served).toBeLessThanOrEqual(60);
    // another user is not affected
    await lookUp(shopA, card).expect(200);
  });
});
