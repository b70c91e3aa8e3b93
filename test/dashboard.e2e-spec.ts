import ExcelJS from 'exceljs';
import { addMonths, monthOf, todayIn } from '../src/common/time';
import { bearer } from './app';
import { newRule, newShop, recordDeed, redeemOne, twoVillages } from './factories';

/**
 * The dashboard (docs/product.md, "The dashboard"): each village's month as the district and its
 * towns see it, computed from the deeds, objections and the ledger as they are.
 */
let ctx: Awaited<ReturnType<typeof twoVillages>>;
let other: { id: number };
let town: string;
const today = todayIn('Asia/Shanghai');
const month = monthOf(today);

beforeAll(async () => {
  ctx = await twoVillages({ town: '花明楼镇', name: '甲村' });
  const { t, a, b, cadreA } = ctx;
  await t.ds.query(`UPDATE villages SET town = '花明楼镇', name = '乙村' WHERE id = ${b.id}`);
  other = await t.newVillage({ town: '道林镇', name: '丙村' });
  town = await t.tokenFor('town', { town: '花明楼镇' });

  // 甲村: h1 (a1), h2 (a2, a3), h3 (moved away: not counted); 乙村: h4 (b1), nothing done
  const [h1, h2, h3] = [
    await t.newHousehold(a.id),
    await t.newHousehold(a.id),
    await t.newHousehold(a.id),
  ];
  const a1 = await t.newVillager(a.id, { householdId: h1.id, name: '甲一' });
  const a2 = await t.newVillager(a.id, { householdId: h2.id, name: '甲二' });
  const a3 = await t.newVillager(a.id, { householdId: h2.id, name: '甲三' });
  await t.newVillager(a.id, { householdId: h3.id, status: 'moved' });
  const h4 = await t.newHousehold(b.id);
  await t.newVillager(b.id, { householdId: h4.id });

  const five = await newRule(t, { points: 5 });
  const three = await newRule(t, { points: 3 });
  const minusTwo = await newRule(t, { points: -2, evidenceRequired: false, category: 'integrity' });
  const record = (token: string, villagerId: number, ruleId: number) =>
    recordDeed(t, token, { villagerId, ruleId });
  await record(cadreA, a1.id, five.id);
  await record(cadreA, a1.id, three.id);
  await record(cadreA, a1.id, minusTwo.id);
  const own2 = await t.tokenFor('villager', { villageId: a.id, villagerId: a2.id });
  const selfReport = await record(own2, a2.id, five.id);
  await t.http().post(`/api/deeds/${selfReport.id}/approve`).set(bearer(cadreA)).expect(200);
  const own3 = await t.tokenFor('villager', { villageId: a.id, villagerId: a3.id });
  await record(own3, a3.id, three.id); // waits for review

  // a1 spends 4 of 6 at the store
  const { store, shop, goods } = await newShop(t, [a.id], {
    name: '肥皂',
    pointsPrice: 4,
    stock: 5,
  });
  await redeemOne(t, shop, { villagerId: a1.id, storeId: store.id, goodsId: goods.id });
});
afterAll(() => ctx.t.close());

const A_FIGURES = {
  households: 2,
  activeHouseholds: 2,
  participation: 1,
  deeds: 3,
  deductions: 1,
  pendingReviews: 1,
  objections: 0,
  upheldObjections: 0,
  issued: 13,
  deducted: 2,
  redeemed: 4,
  expired: 0,
  outstanding: 7,
};

it('a town sees its villages’ month: households, participation, deeds, points issued, spent and owed', async () => {
  const { t, a, b } = ctx;
  const res = await t.http().get(`/api/dashboard?month=${month}`).set(bearer(town)).expect(200);
  expect(res.body.month).toBe(month);
  expect(res.body.town).toBe('花明楼镇');
  expect(res.body.villages.map((v: { villageId: number }) => v.villageId).sort()).toEqual(
    [a.id, b.id].sort(),
  );
  const rowA = res.body.villages.find((v: { villageId: number }) => v.villageId === a.id);
  expect(rowA).toMatchObject({ name: '甲村', town: '花明楼镇', ...A_FIGURES });
  // the self-report was answered within the test: a wait of a few seconds at most
  expect(rowA.medianReviewHours).toBeGreaterThanOrEqual(0);
  expect(rowA.medianReviewHours).toBeLessThan(0.1);
  const rowB = res.body.villages.find((v: { villageId: number }) => v.villageId === b.id);
  expect(rowB).toMatchObject({ households: 1, activeHouseholds: 0, participation: 0, issued: 0 });
  expect(rowB.medianReviewHours).toBeNull();
  // totals add counts and points, and recompute participation: 2 of 3 households, not 1 + 0
  expect(res.body.totals).toMatchObject({
    ...A_FIGURES,
    households: 3,
    activeHouseholds: 2,
    participation: 2 / 3,
  });
});

it('a past month: nothing posted in it, nothing outstanding at its end', async () => {
  const { t, a } = ctx;
  const res = await t
    .http()
    .get(`/api/dashboard?month=${addMonths(month, -1)}`)
    .set(bearer(town))
    .expect(200);
  const rowA = res.body.villages.find((v: { villageId: number }) => v.villageId === a.id);
  expect(rowA).toMatchObject({ households: 2, activeHouseholds: 0, issued: 0, outstanding: 0 });
});

it('the trend: twelve months ending with the one asked for', async () => {
  const res = await ctx.t
    .http()
    .get(`/api/dashboard/trend?month=${month}`)
    .set(bearer(town))
    .expect(200);
  expect(res.body.months).toHaveLength(12);
  expect(res.body.months[0].month).toBe(addMonths(month, -11));
  expect(res.body.months[11]).toEqual({
    month,
    households: 3,
    activeHouseholds: 2,
    participation: 2 / 3,
    issued: 13,
    redeemed: 4,
  });
  expect(res.body.months[10]).toMatchObject({ activeHouseholds: 0, issued: 0, redeemed: 0 });
});

it('admins and auditors see every town or the one asked for; a town only its own; others 403', async () => {
  const { t, admin, a, b, cadreA } = ctx;
  const all = await t.http().get('/api/dashboard').set(bearer(admin)).expect(200);
  expect(all.body.town).toBeNull();
  expect(all.body.villages.map((v: { villageId: number }) => v.villageId)).toEqual(
    expect.arrayContaining([a.id, b.id, other.id]),
  );
  const auditor = await t.tokenFor('auditor');
  const one = await t
    .http()
    .get(`/api/dashboard?town=${encodeURIComponent('道林镇')}`)
    .set(bearer(auditor))
    .expect(200);
  expect(one.body.villages.map((v: { villageId: number }) => v.villageId)).toEqual([other.id]);
  await t
    .http()
    .get(`/api/dashboard?town=${encodeURIComponent('道林镇')}`)
    .set(bearer(town))
    .expect(403);
  await t.http().get('/api/dashboard').set(bearer(cadreA)).expect(403);
  const villager = await t.tokenFor('villager', {
    villageId: a.id,
    villagerId: (await t.newVillager(a.id)).id,
  });
  await t.http().get('/api/dashboard/trend').set(bearer(villager)).expect(403);
  await t.http().get('/api/dashboard').expect(401);
  const bad = await t.http().get('/api/dashboard?month=2026-13').set(bearer(admin)).expect(400);
  expect(JSON.stringify(bad.body.message)).toMatch(/month/);
});

it('the table as a spreadsheet: a row per village and the totals', async () => {
  const { t } = ctx;
  const res = await t
    .http()
    .get(`/api/dashboard/export?month=${month}`)
    .set(bearer(town))
    .buffer(true)
    .parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    })
    .expect(200);
  expect(res.headers['content-type']).toMatch(/spreadsheetml/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.body);
  const rows = wb.worksheets[0].getSheetValues().filter(Boolean) as unknown[][];
  expect(rows[0].slice(1, 5)).toEqual(['乡镇', '村', '户数', '参与户数']);
  const rowA = rows.find((r) => r[2] === '甲村')!;
  expect(rowA.slice(1, 6)).toEqual(['花明楼镇', '甲村', 2, 2, '100%']);
  const totals = rows[rows.length - 1];
  expect(totals[1]).toBe('合计');
  expect(totals.slice(3, 6)).toEqual([3, 2, '66.7%']);
});

it('keeps each village’s month while the village does not change; a change is seen at once', async () => {
  const { t, a, b } = ctx;
  const read = async () =>
    (await t.http().get(`/api/dashboard?month=${month}`).set(bearer(town)).expect(200)).body;
  const first = await read();
  const again = await read();
  // nothing changed: the kept figures, computed when the first answer was
  expect(again).toEqual(first);
  const [{ n }] = await t.ds.query(
    `SELECT COUNT(*) AS n FROM village_month_figures WHERE month = '${month}' AND village_id IN (${a.id}, ${b.id})`,
  );
  expect(Number(n)).toBe(2);

  const v = await t.newVillager(b.id, { name: '乙一' });
  const rule = await newRule(t, { points: 2 });
  const cadreB = ctx.cadreB;
  await recordDeed(t, cadreB, { villagerId: v.id, ruleId: rule.id });
  const after = await read();
  const rowOf = (body: typeof first, id: number) =>
    body.villages.find((r: { villageId: number }) => r.villageId === id);
  expect(rowOf(after, b.id).deeds).toBe(rowOf(first, b.id).deeds + 1);
  expect(rowOf(after, b.id).issued).toBe(rowOf(first, b.id).issued + 2);
  // 甲村 did not change: still the figures kept from the first answer
  expect(rowOf(after, a.id)).toEqual(rowOf(first, a.id));
  expect(after.asOf).toBe(first.asOf);
});
