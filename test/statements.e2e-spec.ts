import { addMonths } from '../src/common/time';
import { todayIn } from '../src/common/time';
import { bearer } from './app';
import { newRule, newShop, twoVillages } from './factories';

/**
 * 家庭积分对账单: one statement per household for a village and month — balances at the month's
 * end, the month's entries with reasons, redemptions, and the lists' 公示.
 */
let ctx: Awaited<ReturnType<typeof twoVillages>>;
const month = () => todayIn('Asia/Shanghai').slice(0, 7);
const statements = (token: string, villageId: number, m = month()) =>
  ctx.t.http().get(`/api/villages/${villageId}/statements/${m}`).set(bearer(token));

beforeAll(async () => {
  ctx = await twoVillages({ name: '石井村' });
});
afterAll(() => ctx.t.close());

it('one statement per household: members, entries with reasons, redemptions; last month before them', async () => {
  const { t, a, cadreA } = ctx;
  const wangs = await t.newHousehold(a.id, { householdNo: '001', headName: '王大' });
  const lis = await t.newHousehold(a.id, { householdNo: '002', headName: '李二' });
  const wang = await t.newVillager(a.id, { name: '王大', householdId: wangs.id });
  const wangWife = await t.newVillager(a.id, { name: '赵梅', householdId: wangs.id });
  const li = await t.newVillager(a.id, { name: '李二', householdId: lis.id });
  await t.newVillager(a.id, { name: '没入户' });
  const helping = await newRule(t, { points: 5, title: '帮扶孤寡老人' });
  const record = (villagerId: number, ruleId = helping.id) =>
    t
      .http()
      .post('/api/deeds')
      .set(bearer(cadreA))
      .send({ villagerId, ruleId, occurredOn: todayIn('Asia/Shanghai'), description: '记录' })
      .expect(201);
  await record(wang.id);
  await record(li.id);
  const wrong = await record(wangWife.id);
  await t
    .http()
    .post(`/api/deeds/${wrong.body.id}/revoke`)
    .set(bearer(cadreA))
    .send({ reason: '记错了人' })
    .expect(200);
  const { store, shop, goods } = await newShop(t, [a.id], {
    name: '毛巾',
    pointsPrice: 2,
    stock: 10,
  });
  await t
    .http()
    .post('/api/redemptions')
    .set(bearer(shop))
    .send({ villagerId: li.id, storeId: store.id, items: [{ goodsId: goods.id, quantity: 2 }] })
    .expect(201);

  const res = await statements(cadreA, a.id).expect(200);
  expect(res.body).toMatchObject({
    month: month(),
    villageName: '石井村',
    lists: { status: 'none', publicityEndsOn: null },
  });
  const [first, second] = res.body.households;
  expect(first).toMatchObject({
    householdNo: '001',
    headName: '王大',
    total: 5,
    members: [
      { villagerId: wang.id, name: '王大', balance: 5 },
      { villagerId: wangWife.id, name: '赵梅', balance: 0 },
    ],
    redemptions: [],
  });
  expect(first.entries.map((e: { name: string; points: number; reason: string }) => e)).toEqual([
    expect.objectContaining({ name: '王大', points: 5, reason: '帮扶孤寡老人' }),
    expect.objectContaining({ name: '赵梅', points: 5, reason: '帮扶孤寡老人' }),
    expect.objectContaining({ name: '赵梅', points: -5, reason: '撤销「帮扶孤寡老人」：记错了人' }),
  ]);
  expect(second).toMatchObject({
    householdNo: '002',
    total: 1,
    members: [{ name: '李二', balance: 1 }],
    entries: [{ name: '李二', points: 5, reason: '帮扶孤寡老人' }],
    redemptions: [{ name: '李二', points: 4, items: '毛巾 ×2', cancelled: false }],
  });

  // last month's end is before all of it
  const before = await statements(cadreA, a.id, addMonths(month(), -1)).expect(200);
  expect(before.body.households.map((h: { total: number }) => h.total)).toEqual([0, 0]);
  expect(before.body.households.flatMap((h: { entries: unknown[] }) => h.entries)).toEqual([]);
});

it('the lists’ 公示 and its last day, once published', async () => {
  const { t, a, cadreA } = ctx;
  const evaluation = `/api/villages/${a.id}/evaluations/${month()}`;
  await t.http().post(evaluation).set(bearer(cadreA)).expect(201);
  expect((await statements(cadreA, a.id).expect(200)).body.lists.status).toBe('draft');
  await t.http().post(`${evaluation}/publish`).set(bearer(cadreA)).expect(201);
  const { lists } = (await statements(cadreA, a.id).expect(200)).body;
  expect(lists).toMatchObject({ status: 'publicity', publicityEndsOn: expect.any(String) });
});

it('a cadre of another village and a villager: 403; an admin reads it; a bad month: 400', async () => {
  const { t, a, cadreB, admin } = ctx;
  await statements(cadreB, a.id).expect(403);
  const villager = await t.newVillager(a.id);
  await statements(
    await t.tokenFor('villager', { villageId: a.id, villagerId: villager.id }),
    a.id,
  ).expect(403);
  await statements(admin, a.id).expect(200);
  await statements(admin, a.id, '2026-13').expect(400);
});
