import { addDays, todayIn } from '../src/common/time';
import { AppConfig, APP_CONFIG } from '../src/config';
import { Tx } from '../src/db/transaction';
import { ExpiryQuery } from '../src/ledger/expiry';
import { NoticeSchedule } from '../src/notices/notice-schedule';
import { NoticesService } from '../src/notices/notices.service';
import type { Village } from '../src/villages/village.entity';
import type { Villager } from '../src/villagers/villager.entity';
import { bearer, createTestApp, TestApp } from './app';
import { newRule, policyChangedDaysAgo } from './factories';

/** The notice centre (docs/product.md, "Notices"), on either database. */
let t: TestApp;
let a: Village;
let b: Village;
let admin: string;
let cadre: string;
let cadreB: string;

const today = () => todayIn('Asia/Shanghai');
const HOUR = 3600_000;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
  a = await t.newVillage({ name: '石井村', publicityDays: 5 });
  b = await t.newVillage({ name: '外村' });
  cadre = await t.tokenFor('cadre', { villageId: a.id });
  cadreB = await t.tokenFor('cadre', { villageId: b.id });
});
afterAll(() => t.close());

const post = (token: string, url: string, body: object = {}) =>
  t.http().post(url).set(bearer(token)).send(body);
interface Item {
  id: number;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  readAt: string | null;
}
async function notices(token: string): Promise<{ items: Item[]; unread: number; total: number }> {
  return (await t.http().get('/api/me/notices?pageSize=100').set(bearer(token)).expect(200)).body;
}
async function villager(village = a): Promise<{ v: Villager; token: string }> {
  const v = await t.newVillager(village.id);
  return { v, token: await t.tokenFor('villager', { villageId: village.id, villagerId: v.id }) };
}
const deed = (
  token: string,
  villagerId: number | undefined,
  ruleId: number,
  description = '打扫村道',
) => post(token, '/api/deeds', { villagerId, ruleId, occurredOn: today(), description });

describe('notices written with the change that causes them', () => {
  it('a deed recorded, a deduction with its reason; read one, then all', async () => {
    const me = await villager();
    const good = await newRule(t, { title: '拾金不昧', points: 5 });
    const bad = await newRule(t, { title: '乱倒垃圾', points: -3, category: 'deduction' as never });
    await deed(cadre, me.v.id, good.id, '捡到钱包交还失主').expect(201);
    await deed(cadre, me.v.id, bad.id, '垃圾倒在河边').expect(201);
    const mine = await notices(me.token);
    expect(mine).toMatchObject({ total: 2, unread: 2 });
    expect(mine.items.map((n) => [n.kind, n.title, n.body, n.link, n.readAt])).toEqual([
      ['deed.deducted', '扣分 −3 分', '「乱倒垃圾」：垃圾倒在河边', '/villager/history', null],
      [
        'deed.recorded',
        '获得积分 +5 分',
        '「拾金不昧」：捡到钱包交还失主',
        '/villager/history',
        null,
      ],
    ]);
    // another villager, the cadres, other roles: none of these
    expect((await notices((await villager()).token)).total).toBe(0);
    for (const token of [cadre, admin, await t.tokenFor('auditor')]) {
      expect((await notices(token)).items.filter((n) => n.kind.startsWith('deed.r'))).toEqual([]);
    }

    const one = await post(me.token, '/api/me/notices/read', { ids: [mine.items[1].id] }).expect(
      200,
    );
    expect(one.body).toEqual({ unread: 1 });
    // someone else's notice named: nothing happens to it
    const other = await villager();
    await deed(cadre, other.v.id, good.id).expect(201);
    const theirs = (await notices(other.token)).items[0].id;
    await post(me.token, '/api/me/notices/read', { ids: [theirs] }).expect(200);
    expect((await notices(other.token)).unread).toBe(1);
    const all = await post(me.token, '/api/me/notices/read', { all: true }).expect(200);
    expect(all.body).toEqual({ unread: 0 });
    // again: nothing more to mark, and no error on either database
    await post(me.token, '/api/me/notices/read', { all: true }).expect(200);
    const after = await notices(me.token);
    expect(after.items.every((n) => n.readAt !== null)).toBe(true);
  });

  it('400 for a read request that says neither or both', async () => {
    const me = await villager();
    for (const body of [{}, { ids: [1], all: true }, { all: false }, { ids: [] }, { ids: ['x'] }]) {
      await post(me.token, '/api/me/notices/read', body).expect(400);
    }
  });

  it('a self-report tells the village’s cadres; approving and rejecting tell the villager', async () => {
    const me = await villager();
    const rule = await newRule(t, { title: '帮扶孤寡老人', points: 4 });
    const first = await deed(me.token, undefined, rule.id, '给五保户挑水').expect(201);
    const second = await deed(me.token, undefined, rule.id, '陪老人看病').expect(201);
    const cadreSees = (await notices(cadre)).items.filter((n) => n.kind === 'deed.pending_review');
    expect(cadreSees.map((n) => n.body).slice(0, 2)).toEqual([
      '「帮扶孤寡老人」：陪老人看病',
      '「帮扶孤寡老人」：给五保户挑水',
    ]);
    expect(cadreSees[0].link).toBe('/cadre/review');
    expect((await notices(cadreB)).items.filter((n) => n.body.includes('陪老人看病'))).toEqual([]);

    await post(cadre, `/api/deeds/${first.body.id}/approve`).expect(200);
    await post(cadre, `/api/deeds/${second.body.id}/reject`, { reason: '请补充老人姓名' }).expect(
      200,
    );
    const mine = await notices(me.token);
    expect(mine.items.map((n) => [n.kind, n.title, n.body])).toEqual([
      ['deed.rejected', '申报没有通过', '「帮扶孤寡老人」：请补充老人姓名'],
      ['deed.approved', '申报已通过 +4 分', '「帮扶孤寡老人」：给五保户挑水'],
    ]);
  });

  it('a refused write leaves no notice: a capped deed, a refused villager of a bulk award', async () => {
    const rule = await newRule(t, { title: '垃圾分类', points: 2, maxPerMonth: 1 });
    const me = await villager();
    const capped = await villager();
    await deed(cadre, capped.v.id, rule.id).expect(201);
    await deed(cadre, capped.v.id, rule.id).expect(409);
    expect((await notices(capped.token)).total).toBe(1);
    const res = await post(cadre, '/api/deeds/bulk', {
      ruleId: rule.id,
      occurredOn: today(),
      description: '集中分类',
      villagerIds: [me.v.id, capped.v.id],
      batchKey: `notices-${Date.now()}`,
    }).expect(200);
    expect(res.body.results.map((r: { outcome: string }) => r.outcome)).toEqual([
      'awarded',
      'MONTHLY_CAP_REACHED',
    ]);
    expect((await notices(me.token)).total).toBe(1);
    expect((await notices(capped.token)).total).toBe(1);
  });

  it('the lists in publicity tell every villager of the village, with the closing day', async () => {
    const village = await t.newVillage({ name: '公示村', publicityDays: 5 });
    const c = await t.tokenFor('cadre', { villageId: village.id });
    const people = [await villager(village), await villager(village)];
    const outsider = await villager();
    const month = today().slice(0, 7);
    await post(c, `/api/villages/${village.id}/evaluations/${month}/publish`).expect(201);
    const ends = addDays(today(), 5);
    for (const p of people) {
      const [n] = (await notices(p.token)).items;
      expect(n).toMatchObject({
        kind: 'lists.publicity',
        title: `${Number(month.slice(5))}月红黑榜公示中`,
        link: `/board/${village.code}/${month}`,
      });
      expect(n.body).toContain(`公示到${Number(ends.slice(5, 7))}月${Number(ends.slice(8))}日`);
    }
    expect((await notices(outsider.token)).items.map((n) => n.kind)).not.toContain(
      'lists.publicity',
    );
    // one villager reading it leaves it unread for the other
    await post(people[0].token, '/api/me/notices/read', { all: true }).expect(200);
    expect((await notices(people[1].token)).unread).toBe(1);

    // an objection tells the cadres; deciding it tells the villager
    await post(people[1].token, `/api/villages/${village.id}/evaluations/${month}/objections`, {
      text: '我参加了两次义务劳动，只算了一次',
    }).expect(201);
    const filed = (await notices(c)).items.find((n) => n.kind === 'objection.filed')!;
    expect(filed).toMatchObject({ body: '我参加了两次义务劳动，只算了一次' });
    const [objection] = (
      await t
        .http()
        .get(`/api/villages/${village.id}/evaluations/${month}/objections`)
        .set(bearer(c))
        .expect(200)
    ).body.items;
    await post(c, `/api/objections/${objection.id}/resolve`, {
      outcome: 'dismissed',
      reason: '第二次劳动记在了下个月',
    }).expect(200);
    const [decided] = (await notices(people[1].token)).items;
    expect(decided).toMatchObject({
      kind: 'objection.decided',
      body: '异议不成立：第二次劳动记在了下个月',
      link: '/villager/objection',
    });
  });

  it('a cancelled activity tells those signed up, and nobody else', async () => {
    const rule = await newRule(t, { title: '参加义务劳动', points: 2 });
    const act = (
      await post(cadre, `/api/villages/${a.id}/activities`, {
        title: '清理河道',
        ruleId: rule.id,
        startsAt: new Date(Date.now() + 20 * HOUR).toISOString(),
        endsAt: new Date(Date.now() + 22 * HOUR).toISOString(),
        place: '村口',
      }).expect(201)
    ).body;
    const signed = await villager();
    const not = await villager();
    await post(signed.token, `/api/activities/${act.id}/signups`).expect(201);
    await post(cadre, `/api/activities/${act.id}/cancel`, { reason: '下大雨，改期' }).expect(200);
    const [n] = (await notices(signed.token)).items;
    expect(n).toMatchObject({ kind: 'activity.cancelled', title: '活动取消：清理河道' });
    expect(n.body).toContain('原因：下大雨，改期');
    expect((await notices(not.token)).total).toBe(0);
  });
});

describe('notices caused by time, written once by any number of instances', () => {
  /** Two schedules, as two instances would run them. */
  const schedules = () => {
    const make = () =>
      new NoticeSchedule(
        t.app.get(Tx),
        t.app.get(NoticesService),
        t.app.get(ExpiryQuery),
        t.app.get<AppConfig>(APP_CONFIG),
      );
    return [make(), make()];
  };

  it('an activity tomorrow reminds those signed up, once', async () => {
    const rule = await newRule(t, { points: 2 });
    const [y, m, d] = addDays(today(), 1).split('-');
    const act = (
      await post(cadre, `/api/villages/${a.id}/activities`, {
        title: '敬老院志愿服务',
        ruleId: rule.id,
        startsAt: `${y}-${m}-${d}T09:00:00+08:00`,
        endsAt: `${y}-${m}-${d}T11:00:00+08:00`,
        place: '镇敬老院',
      }).expect(201)
    ).body;
    const me = await villager();
    await post(me.token, `/api/activities/${act.id}/signups`).expect(201);
    const [one, two] = schedules();
    await Promise.all([one.run(), two.run(), one.run()]);
    const mine = (await notices(me.token)).items;
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      kind: 'activity.tomorrow',
      title: '明天有活动：敬老院志愿服务',
      body: '明天 09:00 在镇敬老院，记得按时参加，到了现场签到。',
    });
  });

  it('points that expire within 30 days are told of, once per expiry day', async () => {
    const me = await villager();
    const rule = await newRule(t, { points: 7 });
    await post(cadre, '/api/deeds', {
      villagerId: me.v.id,
      ruleId: rule.id,
      occurredOn: addDays(today(), -20),
      description: '一个月前的好事',
    }).expect(201);
    const before = (await notices(me.token)).total;
    await t
      .http()
      .patch('/api/settings/points')
      .set(bearer(admin))
      .send({ policy: 'expireAfterMonths', months: 1 })
      .expect(200);
    await policyChangedDaysAgo(t, 31);
    try {
      const [one, two] = schedules();
      await Promise.all([one.run(), two.run()]);
      const expiring = (await notices(me.token)).items.filter((n) => n.kind === 'points.expiring');
      expect(expiring).toHaveLength(1);
      expect(expiring[0].title).toMatch(/^7 分将于\d+月\d+日到期$/);
      expect((await notices(me.token)).total).toBe(before + 1);
    } finally {
      await t
        .http()
        .patch('/api/settings/points')
        .set(bearer(admin))
        .send({ policy: 'keep' })
        .expect(200);
    }
  });
});

describe('the loudspeaker script (村村响)', () => {
  it('the day’s good deeds by name as the board says them, deductions counted, the lists, tomorrow', async () => {
    const village = await t.newVillage({ name: '广播村', publicityDays: 3 });
    const c = await t.tokenFor('cadre', { villageId: village.id });
    const masked = await t.newVillager(village.id, { name: '欧阳春燕' });
    const consented = await t.newVillager(village.id, { name: '李建国', boardConsent: true });
    const child = await t.newVillager(village.id, { name: '王小明', birthDate: '2018-05-01' });
    const good = await newRule(t, { title: '拾金不昧', points: 5 });
    const bad = await newRule(t, { title: '乱倒垃圾', points: -2, category: 'deduction' as never });
    for (const v of [masked, consented, child]) await deed(c, v.id, good.id).expect(201);
    await deed(c, masked.id, bad.id).expect(201);
    await post(c, `/api/villages/${village.id}/evaluations/${today().slice(0, 7)}/publish`).expect(
      201,
    );
    const [y, m, d] = addDays(today(), 1).split('-');
    await post(c, `/api/villages/${village.id}/activities`, {
      title: '清理河道',
      ruleId: good.id,
      startsAt: `${y}-${m}-${d}T08:00:00+08:00`,
      endsAt: `${y}-${m}-${d}T10:00:00+08:00`,
      place: '村口',
    }).expect(201);

    const res = await t
      .http()
      .get(`/api/villages/${village.id}/broadcast/${today()}`)
      .set(bearer(c))
      .expect(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    const ends = addDays(today(), 3);
    expect(res.text.split('\n')).toEqual([
      `广播村文明积分广播（${Number(today().slice(5, 7))}月${Number(today().slice(8))}日）`,
      '',
      `各位村民，现在播报广播村${Number(today().slice(5, 7))}月${Number(today().slice(8))}日的文明积分情况。`,
      '今天村里记录好人好事 3 件：',
      '欧某某，拾金不昧；',
      '李建国，拾金不昧；',
      '一位小朋友，拾金不昧；',
      '向他们学习！',
      '今天有 1 人次被扣分，请大家共同遵守村规民约。',
      `红黑榜正在公示，到${Number(ends.slice(5, 7))}月${Number(ends.slice(8))}日截止，有异议请到村委会提出。`,
      '明天 08:00 在村口有活动：清理河道，欢迎大家报名参加。',
      '谢谢大家！',
      '',
    ]);
    // a quiet day
    const quiet = await t
      .http()
      .get(`/api/villages/${village.id}/broadcast/${addDays(today(), -40)}`)
      .set(bearer(c))
      .expect(200);
    expect(quiet.text).toContain('这一天还没有记录好人好事');
    expect(quiet.text).not.toContain('扣分');

    await t
      .http()
      .get(`/api/villages/${village.id}/broadcast/2026-02-30`)
      .set(bearer(c))
      .expect(400);
    await t
      .http()
      .get(`/api/villages/${village.id}/broadcast/${today()}`)
      .set(bearer(cadreB))
      .expect(403);
    const { token } = await villager(village);
    await t
      .http()
      .get(`/api/villages/${village.id}/broadcast/${today()}`)
      .set(bearer(token))
      .expect(403);
  });
});
