import { AuditEvent } from '../src/audit/audit-event.entity';
import { todayIn } from '../src/common/time';
import type { Villager } from '../src/villagers/villager.entity';
import { bearer } from './app';
import { newRule, twoVillages } from './factories';

/**
 * 代办: a cadre files a self-report for a villager who asked in person; it is reviewed as the
 * villager's own, and the trail says who filed it for whom, and how the person asked.
 */
let ctx: Awaited<ReturnType<typeof twoVillages>>;
let ruleId: number;
let wang: Villager;
let wangToken: string;
let otherCadre: string;

beforeAll(async () => {
  ctx = await twoVillages();
  ruleId = (await newRule(ctx.t, { points: 5, title: '帮扶孤寡老人' })).id;
  const household = await ctx.t.newHousehold(ctx.a.id);
  wang = await ctx.t.newVillager(ctx.a.id, { name: '王奶奶', householdId: household.id });
  await ctx.t.newVillager(ctx.a.id, { name: '王爷爷', householdId: household.id });
  wangToken = await ctx.t.tokenFor('villager', { villageId: ctx.a.id, villagerId: wang.id });
  otherCadre = await ctx.t.tokenFor('cadre', { villageId: ctx.a.id });
});
afterAll(() => ctx.t.close());

const today = () => todayIn('Asia/Shanghai');
const file = (token: string, extra: object) =>
  ctx.t
    .http()
    .post('/api/deeds')
    .set(bearer(token))
    .send({ villagerId: wang.id, ruleId, occurredOn: today(), description: '照顾邻居', ...extra });
const eventsOf = (deedId: number) =>
  ctx.t.ds
    .getRepository(AuditEvent)
    .find({ where: { entityType: 'deed', entityId: deedId }, order: { id: 'ASC' } });

describe('a cadre files for a villager', () => {
  it('a pending self-report of the villager: no points yet, the consent in the deed and the trail', async () => {
    const res = await file(ctx.cadreA, {
      onBehalf: true,
      consentNote: '本人到村委会口头申请',
    }).expect(201);
    expect(res.body).toMatchObject({
      villagerId: wang.id,
      source: 'self_report',
      status: 'pending',
      consentNote: '本人到村委会口头申请',
      balance: 0,
    });
    const [report] = await eventsOf(res.body.id);
    expect(report).toMatchObject({
      action: 'deed.report',
      role: 'cadre',
      reason: '本人到村委会口头申请',
    });
    // the villager sees it among their own filings
    const mine = await ctx.t.http().get('/api/deeds').set(bearer(wangToken)).expect(200);
    expect(mine.body.items.map((d: { id: number }) => d.id)).toContain(res.body.id);
    // another cadre reviews it as usual
    await ctx.t
      .http()
      .post(`/api/deeds/${res.body.id}/approve`)
      .set(bearer(otherCadre))
      .expect(200);
    const events = await eventsOf(res.body.id);
    expect(events.map((e) => [e.action, e.reason])).toEqual([
      ['deed.report', '本人到村委会口头申请'],
      ['deed.approve', null],
    ]);
  });

  it('the same cadre may review it: the trail says so', async () => {
    const res = await file(ctx.cadreA, { onBehalf: true, consentNote: '电话申请' }).expect(201);
    const approved = await ctx.t
      .http()
      .post(`/api/deeds/${res.body.id}/approve`)
      .set(bearer(ctx.cadreA))
      .expect(200);
    expect(approved.body.status).toBe('approved');
    const events = await eventsOf(res.body.id);
    expect(events[1]).toMatchObject({
      action: 'deed.approve',
      reason: '代为申报的村干部本人审核',
    });
  });

  it.each([
    ['onBehalf without consentNote', 'consentNote', 'cadre', { onBehalf: true }],
    ['consentNote without onBehalf', 'consentNote', 'cadre', { consentNote: '口头' }],
    ['onBehalf from a villager', 'onBehalf', 'villager', { onBehalf: true, consentNote: '口头' }],
    ['a note too long', 'consentNote', 'cadre', { onBehalf: true, consentNote: '长'.repeat(201) }],
  ])('%s → 400 naming %s, nothing written', async (_, field, who, extra) => {
    const before = await ctx.t.ds.query('SELECT COUNT(*) AS n FROM deeds');
    const res = await file(who === 'cadre' ? ctx.cadreA : wangToken, extra).expect(400);
    expect(JSON.stringify(res.body.message)).toContain(field);
    expect(await ctx.t.ds.query('SELECT COUNT(*) AS n FROM deeds')).toEqual(before);
  });

  it('a cadre of another village cannot file for this one', async () => {
    await file(ctx.cadreB, { onBehalf: true, consentNote: '口头' }).expect(403);
  });

  it('a household member sees the others’ entries, with whose and what for', async () => {
    const res = await ctx.t
      .http()
      .get(`/api/households/${wang.householdId}/points`)
      .set(bearer(wangToken))
      .expect(200);
    expect(res.body.members.map((m: { name: string }) => m.name)).toEqual(['王奶奶', '王爷爷']);
    expect(res.body.entries.items[0]).toMatchObject({
      villagerName: '王奶奶',
      kind: 'deed',
      ruleTitle: '帮扶孤寡老人',
      delta: 5,
    });
  });
});

describe('an objection filed for a walk-in', () => {
  it('keeps the consent note; a villager cannot send one', async () => {
    const month = today().slice(0, 7);
    const evaluation = `/api/villages/${ctx.a.id}/evaluations/${month}`;
    await ctx.t.http().post(evaluation).set(bearer(ctx.cadreA)).expect(201);
    await ctx.t.http().post(`${evaluation}/publish`).set(bearer(ctx.cadreA)).expect(201);
    const path = `${evaluation}/objections`;
    const villager = await ctx.t
      .http()
      .post(path)
      .set(bearer(wangToken))
      .send({ text: '名单有误', consentNote: '口头' })
      .expect(400);
    expect(JSON.stringify(villager.body.message)).toContain('consentNote');
    const filed = await ctx.t
      .http()
      .post(path)
      .set(bearer(ctx.cadreA))
      .send({ text: '名单有误', filedByName: '张大爷', consentNote: '本人到村委会口头提出' })
      .expect(201);
    expect(filed.body).toMatchObject({
      filedByName: '张大爷',
      consentNote: '本人到村委会口头提出',
    });
  });
});
