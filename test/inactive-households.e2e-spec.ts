import { monthsBefore, todayIn } from '../src/common/time';
import { bearer } from './app';
import { newRule, recordDeed, twoVillages } from './factories';

/** 该走访的家庭: households without an approved deed in three months, the longest quiet first. */
let ctx: Awaited<ReturnType<typeof twoVillages>>;
beforeAll(async () => {
  ctx = await twoVillages();
});
afterAll(() => ctx.t.close());

it('lists the quiet households to visit: never first, then the oldest; active ones left out', async () => {
  const { t, a, cadreA } = ctx;
  const today = todayIn('Asia/Shanghai');
  const rule = await newRule(t, { points: 3 });
  const household = async (no: string, status: 'active' | 'moved' = 'active') => {
    const h = await t.newHousehold(a.id, { householdNo: no, headName: `户主${no}` });
    const v = await t.newVillager(a.id, { name: `村民${no}`, householdId: h.id, status });
    return { h, v };
  };
  const recent = await household('01');
  const old = await household('02');
  const never = await household('03');
  const pendingOnly = await household('04');
  await household('05', 'moved');
  const record = (villagerId: number, occurredOn: string, token = cadreA) =>
    recordDeed(t, token, { villagerId, ruleId: rule.id, occurredOn });
  await record(recent.v.id, today);
  const longAgo = monthsBefore(today, 4);
  await record(old.v.id, longAgo);
  const own = await t.tokenFor('villager', { villageId: a.id, villagerId: pendingOnly.v.id });
  await record(pendingOnly.v.id, today, own); // a self-report, not approved yet

  const res = await t
    .http()
    .get(`/api/villages/${a.id}/inactive-households`)
    .set(bearer(cadreA))
    .expect(200);
  expect(res.body.since).toBe(monthsBefore(today, 3));
  expect(res.body.items).toEqual([
    expect.objectContaining({ householdNo: '03', lastDeedOn: null, members: 1 }),
    expect.objectContaining({ householdNo: '04', lastDeedOn: null }),
    expect.objectContaining({ householdNo: '02', headName: '户主02', lastDeedOn: longAgo }),
  ]);
  expect(res.body.items.map((i: { householdId: number }) => i.householdId)).toEqual([
    never.h.id,
    pendingOnly.h.id,
    old.h.id,
  ]);
});

it('another village’s cadre: 403; a villager: 403', async () => {
  const { t, a, cadreB } = ctx;
  await t.http().get(`/api/villages/${a.id}/inactive-households`).set(bearer(cadreB)).expect(403);
  const v = await t.newVillager(a.id);
  const own = await t.tokenFor('villager', { villageId: a.id, villagerId: v.id });
  await t.http().get(`/api/villages/${a.id}/inactive-households`).set(bearer(own)).expect(403);
});
