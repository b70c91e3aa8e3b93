import { todayIn } from '../src/common/time';
import { MAX_SELF_REPORTS_PER_DAY } from '../src/deeds/deeds.service';
import { Deed } from '../src/deeds/deed.entity';
import { MAX_OPEN_OBJECTIONS } from '../src/evaluations/objections.service';
import { bearer, createTestApp, type TestApp } from './app';
import { newRule } from './factories';

/** One account cannot flood a village's review or objection lists (docs/security.md, "Floods"). */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const today = () => todayIn('Asia/Shanghai');

async function villageWithVillager() {
  const village = await t.newVillage();
  const cadre = await t.tokenFor('cadre', { villageId: village.id });
  const villager = await t.newVillager(village.id);
  const token = await t.tokenFor('villager', { villageId: village.id, villagerId: villager.id });
  return { village, cadre, villager, token };
}

describe(`self-reports: at most ${MAX_SELF_REPORTS_PER_DAY} a villager in 24 hours`, () => {
  it('in parallel too: the rest are 429 with a sentence; a cadre still records', async () => {
    const { cadre, villager, token } = await villageWithVillager();
    const rule = await newRule(t, { points: 5 });
    const report = (who: string) =>
      t.http().post('/api/deeds').set(bearer(who)).send({
        villagerId: villager.id,
        ruleId: rule.id,
        occurredOn: today(),
        description: '扫地',
      });
    const answers = await Promise.all(
      Array.from({ length: MAX_SELF_REPORTS_PER_DAY + 5 }, () => report(token)),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(MAX_SELF_REPORTS_PER_DAY);
    const refused = answers.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(5);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.body).toMatchObject({
        code: 'TOO_MANY_REPORTS',
        message: expect.stringMatching(/^一天最多申报/),
      });
    }
    await report(cadre).expect(201);
    // a day later the villager may report again
    await t.ds
      .getRepository(Deed)
      .update({ villagerId: villager.id }, { recordedAt: new Date(Date.now() - 25 * 3600_000) });
    await report(token).expect(201);
  });
});

describe(`objections: at most ${MAX_OPEN_OBJECTIONS} open a villager a month`, () => {
  it('the next is 429 until one is resolved; a cadre files walk-ins regardless', async () => {
    const { village, cadre, token } = await villageWithVillager();
    const path = `/api/villages/${village.id}/evaluations/${today().slice(0, 7)}`;
    await t.http().post(`${path}/publish`).set(bearer(cadre)).expect(201);
    const object = (who: string, body: object = {}) =>
      t
        .http()
        .post(`${path}/objections`)
        .set(bearer(who))
        .send({ text: '名单有误', ...body });
    const answers = await Promise.all(
      Array.from({ length: MAX_OPEN_OBJECTIONS + 3 }, () => object(token)),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(MAX_OPEN_OBJECTIONS);
    const refused = answers.find((r) => r.status !== 201)!;
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('TOO_MANY_OBJECTIONS');
    await object(cadre, { filedByName: '张大爷' }).expect(201);
    const first = answers.find((r) => r.status === 201)!.body as { id: number };
    await t
      .http()
      .post(`/api/objections/${first.id}/resolve`)
      .set(bearer(cadre))
      .send({ outcome: 'dismissed', reason: '核对无误' })
      .expect(200);
    await object(token).expect(201);
  });
});
