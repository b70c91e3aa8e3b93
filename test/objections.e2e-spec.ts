import { todayIn } from '../src/common/time';
import { Evaluation } from '../src/evaluations/evaluation.entity';
import { Objection } from '../src/evaluations/objection.entity';
import type { Village } from '../src/villages/village.entity';
import type { Villager } from '../src/villagers/villager.entity';
import { bearer, createTestApp, TestApp } from './app';
import { newRule } from './factories';

/**
 * Publicity (公示) and objections (异议), docs/product.md: a published month is posted for
 * `publicityDays`; during it villagers (or a cadre for a walk-in) object; an upheld objection
 * lets the cadre correct deeds and publish the next revision, which restarts the window.
 */
let t: TestApp;
let village: Village;
let other: Village;
let cadre: string;
let otherCadre: string;
let admin: string;
let wang: Villager;
let wangToken: string;
let li: Villager;
let liToken: string;
const today = () => todayIn('Asia/Shanghai');
const MONTH = today().slice(0, 7);

const evalPath = (villageId: number, month = MONTH) =>
  `/api/villages/${villageId}/evaluations/${month}`;
const objectionsPath = (villageId: number, month = MONTH) =>
  `${evalPath(villageId, month)}/objections`;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
  village = await t.newVillage({ name: '石井村' });
  other = await t.newVillage({ name: '外村' });
  cadre = await t.tokenFor('cadre', { villageId: village.id });
  otherCadre = await t.tokenFor('cadre', { villageId: other.id });
  wang = await t.newVillager(village.id, { name: '王秋菊' });
  wangToken = await t.tokenFor('villager', { villageId: village.id, villagerId: wang.id });
  li = await t.newVillager(village.id, { name: '李四' });
  liToken = await t.tokenFor('villager', { villageId: village.id, villagerId: li.id });
});
afterAll(() => t.close());

async function record(villagerId: number, points: number) {
  const rule = await newRule(t, { points });
  const res = await t
    .http()
    .post('/api/deeds')
    .set(bearer(cadre))
    .send({ villagerId, ruleId: rule.id, occurredOn: today(), description: '记录' })
    .expect(201);
  return res.body as { id: number };
}

const publish = (token = cadre, v = village) =>
  t
    .http()
    .post(`${evalPath(v.id)}/publish`)
    .set(bearer(token));
const object = (token: string, body: object, v = village) =>
  t.http().post(objectionsPath(v.id)).set(bearer(token)).send(body);

describe('outside publicity an objection is 409 NOT_IN_PUBLICITY', () => {
  it('no evaluation, then a draft', async () => {
    const v = await t.newVillage();
    const c = await t.tokenFor('cadre', { villageId: v.id });
    const body = { text: '名单有误', filedByName: '张大爷' };
    expect((await object(c, body, v).expect(409)).body.code).toBe('NOT_IN_PUBLICITY');
    await t.http().post(evalPath(v.id)).set(bearer(c)).expect(201);
    expect((await object(c, body, v).expect(409)).body.code).toBe('NOT_IN_PUBLICITY');
  });

  it('a village with no window: published is final at once', async () => {
    const v = await t.newVillage({ publicityDays: 0 });
    const c = await t.tokenFor('cadre', { villageId: v.id });
    const res = await publish(c, v).expect(201);
    expect(res.body).toMatchObject({ status: 'final', publicityEndsOn: null });
    const refused = await object(c, { text: '有误', filedByName: '张大爷' }, v).expect(409);
    expect(refused.body.code).toBe('NOT_IN_PUBLICITY');
  });

  it('a month whose window has passed is final; an open objection keeps it in publicity', async () => {
    const v = await t.newVillage({ code: `OLD${process.pid}` });
    const c = await t.tokenFor('cadre', { villageId: v.id });
    // published long ago (rows of published months are frozen, so it is inserted as such)
    const old = await t.ds.getRepository(Evaluation).save({
      villageId: v.id,
      month: '2026-01',
      revision: 1,
      status: 'published',
      result: { redList: [], blackList: [], households: [] },
      computedBy: 1,
      computedAt: new Date('2026-02-01T02:00:00Z'),
      publishedBy: 1,
      publishedAt: new Date('2026-02-01T02:00:00Z'),
      publicityEndsOn: '2026-02-04',
    });
    const get = () => t.http().get(evalPath(v.id, '2026-01')).set(bearer(c)).expect(200);
    expect((await get()).body.status).toBe('final');
    // long past the board's three months online: the village's own cadre still reads it
    const board = () =>
      t.http().get(`/api/public/villages/${v.code}/boards/2026-01`).set(bearer(c)).expect(200);
    expect((await board()).body).toMatchObject({ status: 'final', publicityEndsOn: '2026-02-04' });
    const late = await object(c, { text: '有误', filedByName: '张大爷' }, v);
    expect(late.body.code).toBe('NOT_IN_PUBLICITY');
    await t.ds.getRepository(Objection).save({
      villageId: v.id,
      month: '2026-01',
      evaluationId: old.id,
      revision: 1,
      villagerId: null,
      filedBy: 1,
      filedByName: '张大爷',
      deedId: null,
      text: '窗口内提出，尚未处理',
      status: 'open',
      resolution: null,
      resolvedBy: null,
      resolvedAt: null,
      createdAt: new Date('2026-02-03T02:00:00Z'),
    });
    expect((await get()).body.status).toBe('publicity');
    expect((await board()).body).toMatchObject({
      status: 'publicity',
      objections: { filed: 1, resolved: 0 },
    });
  });
});

describe('filing, reading and resolving', () => {
  let posted: { publicityEndsOn: string; revision: number };
  beforeAll(async () => {
    await record(wang.id, 10);
    await record(li.id, 5);
    posted = (await publish().expect(201)).body;
  });

  it('publishing opens the window: publicityDays after today, status publicity', async () => {
    const res = await t.http().get(evalPath(village.id)).set(bearer(cadre)).expect(200);
    expect(res.body).toMatchObject({ status: 'publicity', revision: 1, latestRevision: 1 });
    const [y, m, d] = today().split('-').map(Number);
    const ends = new Date(Date.UTC(y, m - 1, d + 3)).toISOString().slice(0, 10);
    expect(posted.publicityEndsOn).toBe(ends);
  });

  it('401 without a token, 403 for the wrong role or another village', async () => {
    await t.http().post(objectionsPath(village.id)).send({ text: 'x' }).expect(401);
    await t.http().get(objectionsPath(village.id)).expect(401);
    await t.http().post('/api/objections/1/resolve').send({}).expect(401);
    const shop = await t.tokenFor('shopkeeper', { storeId: (await t.newStore([village.id])).id });
    await object(shop, { text: '有误' }).expect(403);
    await object(admin, { text: '有误', filedByName: '张' }).expect(403);
    await object(otherCadre, { text: '有误', filedByName: '张' }).expect(403);
    await t.http().get(objectionsPath(village.id)).set(bearer(otherCadre)).expect(403);
    await t
      .http()
      .post('/api/objections/1/resolve')
      .set(bearer(wangToken))
      .send({ outcome: 'dismissed', reason: 'x' })
      .expect(403);
  });

  it('bad input is 400 naming the field, and files nothing', async () => {
    const before = await t.ds.getRepository(Objection).count();
    const cases: [string, object, string][] = [
      [wangToken, { text: '' }, 'text'],
      [wangToken, { text: '有误', filedByName: '张' }, 'filedByName'],
      [cadre, { text: '有误' }, 'filedByName'],
      [
        cadre,
        { text: '有误', filedByName: '张', villagerId: (await t.newVillager(other.id)).id },
        'villagerId',
      ],
      [cadre, { text: '有误', filedByName: '张', deedId: 999999 }, 'deedId'],
    ];
    for (const [token, body, field] of cases) {
      const res = await object(token, body).expect(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    }
    await object(wangToken, { text: '有误', villagerId: li.id }).expect(403);
    expect(await t.ds.getRepository(Objection).count()).toBe(before);
  });

  it('a villager objects for themselves and sees only their own; the cadre sees all', async () => {
    const mine = await object(wangToken, { text: '我的好人好事漏记了' }).expect(201);
    expect(mine.body).toMatchObject({ villagerId: wang.id, status: 'open', revision: 1 });
    const walkIn = await object(cadre, {
      text: '李四的分数有误',
      filedByName: '赵老伯',
      villagerId: li.id,
    }).expect(201);
    expect(walkIn.body).toMatchObject({ filedByName: '赵老伯', villagerId: li.id });

    const ofWang = await t
      .http()
      .get(objectionsPath(village.id))
      .set(bearer(wangToken))
      .expect(200);
    expect(ofWang.body.items.map((o: { id: number }) => o.id)).toEqual([mine.body.id]);
    const ofLi = await t.http().get(objectionsPath(village.id)).set(bearer(liToken)).expect(200);
    expect(ofLi.body.items.map((o: { id: number }) => o.id)).toEqual([walkIn.body.id]);
    const all = await t.http().get(objectionsPath(village.id)).set(bearer(cadre)).expect(200);
    expect(all.body.total).toBe(2);
    // who objects, by name: the villager's own account shows the villager, a walk-in their name
    expect(
      all.body.items.map((o: { id: number; filerName: string }) => [o.id, o.filerName]),
    ).toEqual([
      [walkIn.body.id, '赵老伯'],
      [mine.body.id, '王秋菊'],
    ]);

    // resolving: only the village's cadre, once
    const resolve = (token: string, id: number, body: object) =>
      t.http().post(`/api/objections/${id}/resolve`).set(bearer(token)).send(body);
    await resolve(cadre, mine.body.id, { outcome: 'maybe', reason: 'x' }).expect(400);
    await resolve(cadre, mine.body.id, { outcome: 'dismissed' }).expect(400);
    await resolve(otherCadre, mine.body.id, { outcome: 'dismissed', reason: '不属实' }).expect(404);
    const dismissed = await resolve(cadre, mine.body.id, {
      outcome: 'dismissed',
      reason: '经核实已记录',
    }).expect(200);
    expect(dismissed.body).toMatchObject({ status: 'dismissed', resolution: '经核实已记录' });
    const twice = await resolve(cadre, mine.body.id, { outcome: 'upheld', reason: '改判' });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('ALREADY_RESOLVED');
    const board = await t.http().get(`/api/public/villages/${village.code}/boards/${MONTH}`);
    expect(board.body).toMatchObject({
      status: 'publicity',
      objections: { filed: 2, resolved: 1 },
    });
  });

  it('an upheld objection reopens the month: correct, publish revision 2, window restarts', async () => {
    // without an upheld objection the month stays frozen
    expect((await t.http().post(evalPath(village.id)).set(bearer(cadre))).body.code).toBe(
      'MONTH_PUBLISHED',
    );
    const open = await t
      .http()
      .get(`${objectionsPath(village.id)}?status=open`)
      .set(bearer(cadre))
      .expect(200);
    const [walkIn] = open.body.items;
    await t
      .http()
      .post(`/api/objections/${walkIn.id}/resolve`)
      .set(bearer(cadre))
      .send({ outcome: 'upheld', reason: '李四的分数多记了' })
      .expect(200);
    // the wrong deed is revoked, and the corrected lists published as revision 2
    const wrong = await record(li.id, 7);
    await t
      .http()
      .post(`/api/deeds/${wrong.id}/revoke`)
      .set(bearer(cadre))
      .send({ reason: '异议成立，更正' })
      .expect(200);
    const draft = await t.http().post(evalPath(village.id)).set(bearer(cadre)).expect(201);
    expect(draft.body).toMatchObject({ revision: 2, status: 'draft' });
    const republished = await publish().expect(201);
    expect(republished.body).toMatchObject({ revision: 2, status: 'publicity' });
    expect((await publish()).body.code).toBe('MONTH_PUBLISHED');

    // earlier revisions stay readable
    const first = await t
      .http()
      .get(`${evalPath(village.id)}?revision=1`)
      .set(bearer(cadre))
      .expect(200);
    expect(first.body).toMatchObject({ revision: 1, latestRevision: 2 });
    const boards = `/api/public/villages/${village.code}/boards/${MONTH}`;
    expect((await t.http().get(boards).expect(200)).body.revision).toBe(2);
    expect((await t.http().get(`${boards}?revision=1`).expect(200)).body.revision).toBe(1);
    await t.http().get(`${boards}?revision=3`).expect(404);
    // the board's month list names the month once, however many revisions it has
    const index = await t.http().get(`/api/public/villages/${village.code}/boards`).expect(200);
    expect(index.body.months).toEqual([MONTH]);
    // objections now go against revision 2
    const again = await object(liToken, { text: '还有问题' }).expect(201);
    expect(again.body.revision).toBe(2);
  });
});
