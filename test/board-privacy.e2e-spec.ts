import { addMonths, monthOf, todayIn } from '../src/common/time';
import { Evaluation } from '../src/evaluations/evaluation.entity';
import type { Villager } from '../src/villagers/villager.entity';
import { bearer } from './app';
import { newRule, twoVillages } from './factories';

/**
 * The board online (docs/product.md, "The board online"): masked names, the black list without
 * names and three months online by default; a person's consent, the village's display key and
 * its signed-in users show full names; minors never appear.
 */
describe('the public board protects names', () => {
  let ctx: Awaited<ReturnType<typeof twoVillages>>;
  const month = addMonths(monthOf(todayIn('Asia/Shanghai')), -1);
  const boards = () => `/api/public/villages/${ctx.a.code}/boards`;
  const board = (query = '') => ctx.t.http().get(`${boards()}/${month}${query}`);
  const people: Record<string, Villager> = {};

  beforeAll(async () => {
    ctx = await twoVillages({ name: '石井村' });
    const { t, a, cadreA } = ctx;
    const merit = await newRule(t, { points: 10 });
    const small = await newRule(t, { points: 5 });
    const deduction = await newRule(t, {
      title: '乱倒垃圾',
      points: -5,
      category: 'environment',
    });
    const household = await t.newHousehold(a.id, { headName: '欧阳春燕' });
    for (const [name, birthDate] of [
      ['欧阳春燕', '1970-05-01'],
      ['龙建军', '1966-02-03'],
      ['王', null],
      ['李小明', '2015-06-01'], // eleven: never on a public board
      ['张三', null],
    ] as const) {
      people[name] = await t.newVillager(a.id, {
        name,
        birthDate,
        householdId: name === '欧阳春燕' ? household.id : null,
      });
    }
    const record = (v: Villager, ruleId: number) =>
      t
        .http()
        .post('/api/deeds')
        .set(bearer(cadreA))
        .send({
          villagerId: v.id,
          ruleId,
          occurredOn: `${month}-15`,
          description: '测试',
          evidence: '村干部所见',
        })
        .expect(201);
    await record(people['李小明'], merit.id); // rank 1, as 欧阳春燕
    await record(people['欧阳春燕'], merit.id);
    await record(people['龙建军'], small.id);
    await record(people['王'], small.id);
    await record(people['张三'], deduction.id);
    // 龙建军 agrees to his full name online
    await t
      .http()
      .patch(`/api/villagers/${people['龙建军'].id}`)
      .set(bearer(cadreA))
      .send({ boardConsent: true })
      .expect(200);
    await t.http().post(`/api/villages/${a.id}/evaluations/${month}`).set(bearer(cadreA));
    await t
      .http()
      .post(`/api/villages/${a.id}/evaluations/${month}/publish`)
      .set(bearer(cadreA))
      .expect(201);
  });
  afterAll(() => ctx.t.close());

  it('by default: names masked by code point, consent honoured, the black list without names, minors left out, ranks kept', async () => {
    const res = await board().expect(200);
    expect(res.body.redList).toEqual([
      { rank: 1, name: '欧**燕', net: 10 },
      { rank: 3, name: '龙建军', net: 5 },
      { rank: 3, name: '王', net: 5 },
    ]);
    expect(res.body.blackList).toEqual([
      { rank: 1, name: null, deductions: -5, reasons: ['乱倒垃圾'] },
    ]);
    expect(res.body.households).toEqual([expect.objectContaining({ rank: 1, headName: '欧**燕' })]);
    const text = JSON.stringify(res.body);
    for (const hidden of ['欧阳春燕', '张三', '李小明', '李*明'])
      expect(text).not.toContain(hidden);
    // the files are made from the same rows (the XLSX from the CSV's sheets)
    for (const format of ['csv', 'html']) {
      const { text } = await board(`?format=${format}`).expect(200);
      expect(text).toContain('欧**燕');
      expect(text).toContain('（不公示姓名）');
      for (const hidden of ['欧阳春燕', '张三', '李小明']) expect(text).not.toContain(hidden);
    }
  });

  it('the consent is recorded with who gave it and when', async () => {
    const res = await ctx.t
      .http()
      .get(`/api/villagers/${people['龙建军'].id}`)
      .set(bearer(ctx.cadreA))
      .expect(200);
    expect(res.body).toMatchObject({ boardConsent: true, boardConsentBy: expect.any(Number) });
    expect(Date.parse(res.body.boardConsentAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("the village's signed-in users see full names, never cached; another village's cadre does not", async () => {
    const own = await board().set(bearer(ctx.cadreA)).expect(200);
    expect(own.headers['cache-control']).toBe('private, no-store');
    expect(own.body.redList.map((r: { name: string }) => r.name)).toEqual([
      '欧阳春燕',
      '龙建军',
      '王',
    ]);
    expect(own.body.blackList[0].name).toBeNull(); // the village posts the black list by count
    const other = await board().set(bearer(ctx.cadreB)).expect(200);
    expect(other.body.redList[0].name).toBe('欧**燕');
  });

  it('the display key shows full names on the village’s own screens; a wrong or old key is 403', async () => {
    const rotate = (token: string) =>
      ctx.t.http().post(`/api/villages/${ctx.a.id}/display-key`).set(bearer(token));
    await rotate(ctx.cadreB).expect(403);
    const first = (await rotate(ctx.cadreA).expect(201)).body.key as string;
    expect(first.length).toBeGreaterThanOrEqual(20);
    const shown = await board(`?key=${encodeURIComponent(first)}&format=html`).expect(200);
    expect(shown.headers['cache-control']).toBe('private, no-store');
    expect(shown.text).toContain('欧阳春燕');
    expect(shown.text).not.toContain('李小明'); // minors still never
    const second = (await rotate(ctx.cadreA).expect(201)).body.key as string;
    await board(`?key=${encodeURIComponent(first)}`).expect(403);
    await board('?key=wrong').expect(403);
    await board(`?key=${encodeURIComponent(second)}`).expect(200);
  });

  it('the cadre sets the board, but nothing else of the village; bad settings are 400 naming them', async () => {
    const patch = (token: string, body: object) =>
      ctx.t.http().patch(`/api/villages/${ctx.a.id}`).set(bearer(token)).send(body);
    await patch(ctx.cadreA, { name: '改名村' }).expect(403);
    await patch(ctx.cadreB, { boardBlackList: 'names' }).expect(403);
    for (const body of [
      { boardNames: 'initials' },
      { boardBlackList: 'all' },
      { boardRetentionMonths: 0 },
      { boardRetentionMonths: 25 },
    ]) {
      const refused = await patch(ctx.cadreA, body).expect(400);
      expect(JSON.stringify(refused.body)).toContain(Object.keys(body)[0]);
    }
    await patch(ctx.cadreA, { boardBlackList: 'names' }).expect(200);
    expect((await board().expect(200)).body.blackList[0].name).toBe('张*');
    await patch(ctx.cadreA, { boardNames: 'full' }).expect(200);
    expect((await board().expect(200)).body.redList[0].name).toBe('欧阳春燕');
    await patch(ctx.cadreA, { boardNames: 'masked', boardBlackList: 'count' }).expect(200);
  });

  it('a month older than the retention leaves the public board; the village still reads it', async () => {
    const old = addMonths(month, -4);
    await ctx.t.ds.getRepository(Evaluation).save({
      villageId: ctx.a.id,
      month: old,
      revision: 1,
      status: 'published',
      result: { redList: [], blackList: [], households: [] },
      computedBy: 1,
      computedAt: new Date(),
      publishedBy: 1,
      publishedAt: new Date(),
      publicityEndsOn: null,
    });
    const index = await ctx.t.http().get(boards()).expect(200);
    expect(index.body.months).toEqual([month]);
    await ctx.t.http().get(`${boards()}/${old}`).expect(404);
    const inside = await ctx.t.http().get(boards()).set(bearer(ctx.cadreA)).expect(200);
    expect(inside.body.months).toEqual([month, old]);
    await ctx.t.http().get(`${boards()}/${old}`).set(bearer(ctx.cadreA)).expect(200);
    // a longer retention brings it back
    await ctx.t
      .http()
      .patch(`/api/villages/${ctx.a.id}`)
      .set(bearer(ctx.cadreA))
      .send({ boardRetentionMonths: 6 })
      .expect(200);
    await ctx.t.http().get(`${boards()}/${old}`).expect(200);
  });
});
