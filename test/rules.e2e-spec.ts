import { CATEGORY_CODES } from '../src/rules/categories';
import { Rule } from '../src/rules/rule.entity';
import { bearer, createTestApp, TestApp } from './app';

let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
});
afterAll(() => t.close());

const rule = (o: Partial<Rule> = {}) => ({
  code: `R${Math.random().toString(36).slice(2, 9)}`,
  category: 'kindness',
  title: '帮邻居收稻谷',
  points: 3,
  ...o,
});

describe('categories', () => {
  it('exactly the five fixed categories, for any logged-in user', async () => {
    await t.http().get('/api/categories').expect(401);
    const shop = await t.tokenFor('shopkeeper');
    const res = await t.http().get('/api/categories').set(bearer(shop)).expect(200);
    expect(res.body).toEqual([
      { code: 'industry', name: '产业致富' },
      { code: 'kindness', name: '善行义举' },
      { code: 'environment', name: '环境卫生' },
      { code: 'integrity', name: '诚实守信' },
      { code: 'family', name: '家庭美德' },
    ]);
  });
});

describe('default catalogue', () => {
  it('a fresh install has at least five Chinese rules in each category, deductions included', async () => {
    const res = await t
      .http()
      .get('/api/rules?scope=district&pageSize=200')
      .set(bearer(admin))
      .expect(200);
    const rules: Rule[] = res.body.items;
    for (const c of CATEGORY_CODES) {
      expect(rules.filter((r) => r.category === c).length).toBeGreaterThanOrEqual(5);
    }
    const titles = rules.map((r) => r.title).join('|');
    for (const t of [
      '大操大办',
      '高价彩礼',
      '办无事酒',
      '乱倒垃圾',
      '乱搭乱建',
      '不赡养老人',
      '失信被执行',
    ]) {
      expect(titles).toContain(t);
    }
    expect(rules.some((r) => r.points < 0)).toBe(true);
    // the catalogue's monthly caps arrive too (an earlier migration silently dropped them)
    expect(rules.find((r) => r.code === 'ENV-01')).toMatchObject({
      maxPerMonth: 1,
      active: true,
      villageId: null,
    });
    expect(rules.find((r) => r.code === 'KND-02')).toMatchObject({ maxPerMonth: null });
    expect(
      rules.every((r) => r.points !== 0 && Math.abs(r.points) <= 1000 && r.villageId === null),
    ).toBe(true);
  });
});

describe('rule catalogue', () => {
  it('admin adds and edits district rules; editing keeps the rule, deactivating hides it from active lists', async () => {
    const created = await t
      .http()
      .post('/api/rules')
      .set(bearer(admin))
      .send(rule({ code: 'D-1', points: 4, maxPerMonth: 2 }))
      .expect(201);
    expect(created.body).toMatchObject({
      code: 'D-1',
      villageId: null,
      active: true,
      maxPerMonth: 2,
    });
    const edited = await t
      .http()
      .patch(`/api/rules/${created.body.id}`)
      .set(bearer(admin))
      .send({ points: 6, maxPerMonth: null, active: false })
      .expect(200);
    expect(edited.body).toMatchObject({ points: 6, maxPerMonth: null, active: false });
    const active = await t
      .http()
      .get('/api/rules?active=true&pageSize=200')
      .set(bearer(admin))
      .expect(200);
    expect(active.body.items.map((r: Rule) => r.code)).not.toContain('D-1');
    await t
      .http()
      .post('/api/rules')
      .set(bearer(admin))
      .send(rule({ code: 'D-1' }))
      .expect(409);
  });

  it("a cadre adds rules for their own village only and cannot edit district or other villages' rules", async () => {
    const a = await t.newVillage();
    const b = await t.newVillage();
    const cadreA = await t.tokenFor('cadre', { villageId: a.id });
    const cadreB = await t.tokenFor('cadre', { villageId: b.id });
    const own = await t
      .http()
      .post('/api/rules')
      .set(bearer(cadreA))
      .send(rule({ title: '村规：参加屋场会' }))
      .expect(201);
    expect(own.body.villageId).toBe(a.id);
    await t
      .http()
      .post('/api/rules')
      .set(bearer(cadreA))
      .send(rule({ villageId: b.id }))
      .expect(403);
    const district = await t
      .http()
      .get('/api/rules?scope=district&pageSize=1')
      .set(bearer(cadreA))
      .expect(200);
    await t
      .http()
      .patch(`/api/rules/${district.body.items[0].id}`)
      .set(bearer(cadreA))
      .send({ points: 99 })
      .expect(403);
    await t
      .http()
      .patch(`/api/rules/${own.body.id}`)
      .set(bearer(cadreB))
      .send({ points: 99 })
      .expect(404);
    await t
      .http()
      .patch(`/api/rules/${own.body.id}`)
      .set(bearer(cadreA))
      .send({ points: 4 })
      .expect(200);
    // B's cadre sees the district catalogue but not A's own rule
    const seenByB = await t.http().get('/api/rules?pageSize=200').set(bearer(cadreB)).expect(200);
    expect(seenByB.body.items.map((r: Rule) => r.id)).not.toContain(own.body.id);
    const seenByA = await t.http().get('/api/rules?pageSize=200').set(bearer(cadreA)).expect(200);
    expect(seenByA.body.items.map((r: Rule) => r.id)).toContain(own.body.id);
    await t.http().get(`/api/rules?villageId=${b.id}`).set(bearer(cadreA)).expect(403);
  });

  it('villagers and shopkeepers read but cannot write', async () => {
    const v = await t.newVillage();
    const villager = await t.tokenFor('villager', { villageId: v.id });
    await t.http().get('/api/rules?category=family').set(bearer(villager)).expect(200);
    await t.http().post('/api/rules').set(bearer(villager)).send(rule()).expect(403);
    await t.http().patch('/api/rules/1').set(bearer(villager)).send({ points: 1 }).expect(403);
    await t.http().post('/api/rules').send(rule()).expect(401);
  });

  it.each([
    [{ points: 0 }, 'points'],
    [{ points: 1001 }, 'points'],
    [{ points: -1001 }, 'points'],
    [{ points: 2.5 }, 'points'],
    [{ category: 'wealth' }, 'category'],
    [{ title: '' }, 'title'],
    [{ title: '长'.repeat(101) }, 'title'],
    [{ maxPerMonth: 0 }, 'maxPerMonth'],
    [{ code: 'has space' }, 'code'],
  ])('bad rule %j → 400 naming the field', async (bad, field) => {
    const res = await t
      .http()
      .post('/api/rules')
      .set(bearer(admin))
      .send(rule(bad as Partial<Rule>))
      .expect(400);
    expect(JSON.stringify(res.body.message)).toContain(field);
  });

  it('unknown rule → 404, bad id → 400, bad filter → 400', async () => {
    await t.http().patch('/api/rules/999999').set(bearer(admin)).send({ points: 1 }).expect(404);
    await t.http().patch('/api/rules/x').set(bearer(admin)).send({ points: 1 }).expect(400);
    await t.http().get('/api/rules?category=nope').set(bearer(admin)).expect(400);
  });
});
