import ExcelJS from 'exceljs';
import { todayIn } from '../src/common/time';
import { quarterDays, quarterOf } from '../src/scores/score-formula';
import { TownScore } from '../src/scores/town-score.entity';
import { bearer } from './app';
import { newRule, recordDeed, twoVillages } from './factories';

/**
 * 积分换项目 (docs/product.md, "Village scores (积分换项目)"): each quarter a town ranks its villages
 * on participation, points per household and the "zeros" kept; the town records incidents and
 * publishes the ranking, which is public during and after its publicity.
 */
let ctx: Awaited<ReturnType<typeof twoVillages>>;
/** Villages of 花明楼镇: 甲 (ctx.a), 乙 (ctx.b), 丙, 丁; 戊 is in 道林镇. */
let c: { id: number };
let d: { id: number };
let other: { id: number };
let town: string;
let otherTown: string;
let auditor: string;
let villagerToken: string;
const TOWN = '花明楼镇';
const today = todayIn('Asia/Shanghai');
const quarter = quarterOf(today);
const { first } = quarterDays(quarter);
/** The day before the quarter began: an incident then counts in the quarter before. */
const lastQuarterDay = new Date(Date.parse(`${first}T00:00:00Z`) - 86_400_000)
  .toISOString()
  .slice(0, 10);
const scoresPath = (q = quarter, name = TOWN) =>
  `/api/towns/${encodeURIComponent(name)}/scores/${q}`;

const incident = (token: string, villageId: number, body: object = {}) =>
  ctx.t
    .http()
    .post(`/api/villages/${villageId}/incidents`)
    .set(bearer(token))
    .send({ kind: '零火灾', occurredOn: today, description: '村民家中失火', ...body });

beforeAll(async () => {
  ctx = await twoVillages({ town: TOWN, name: '甲村' });
  const { t, a, b, cadreA, cadreB, admin } = ctx;
  await t.ds.query(`UPDATE villages SET town = '${TOWN}', name = '乙村' WHERE id = ${b.id}`);
  c = await t.newVillage({ town: TOWN, name: '丙村' });
  d = await t.newVillage({ town: TOWN, name: '丁村' });
  other = await t.newVillage({ town: '道林镇', name: '戊村' });
  town = await t.tokenFor('town', { town: TOWN });
  otherTown = await t.tokenFor('town', { town: '道林镇' });
  auditor = await t.tokenFor('auditor');

  // 甲村: two households, one active (+5); 乙村: one household (+5, +3); 丙村 and 丁村: one
  // household each, its member deducted 2
  const [ha1, ha2, hb, hc, hd] = [
    await t.newHousehold(a.id),
    await t.newHousehold(a.id),
    await t.newHousehold(b.id),
    await t.newHousehold(c.id),
    await t.newHousehold(d.id),
  ];
  const a1 = await t.newVillager(a.id, { householdId: ha1.id });
  await t.newVillager(a.id, { householdId: ha2.id });
  const b1 = await t.newVillager(b.id, { householdId: hb.id });
  const c1 = await t.newVillager(c.id, { householdId: hc.id });
  const d1 = await t.newVillager(d.id, { householdId: hd.id });
  villagerToken = await t.tokenFor('villager', { villageId: a.id, villagerId: a1.id });
  const cadreC = await t.tokenFor('cadre', { villageId: c.id });
  const cadreD = await t.tokenFor('cadre', { villageId: d.id });

  const five = await newRule(t, { points: 5 });
  const three = await newRule(t, { points: 3 });
  const minusTwo = await newRule(t, { points: -2, evidenceRequired: false });
  const award = (token: string, villagerId: number, ruleId: number) =>
    recordDeed(t, token, { villagerId, ruleId });
  await award(cadreA, a1.id, five.id);
  await award(cadreB, b1.id, five.id);
  await award(cadreB, b1.id, three.id);
  await award(cadreC, c1.id, minusTwo.id);
  await award(cadreD, d1.id, minusTwo.id);

  // 甲村 one incident; 乙村 two, and one revoked; 丙村 one, but in the quarter before
  await incident(town, a.id).expect(201);
  await incident(town, b.id, { kind: '零上访' }).expect(201);
  await incident(admin, b.id, { kind: '零违建' }).expect(201);
  const revoked = await incident(town, b.id, { kind: '零发案' }).expect(201);
  await t
    .http()
    .post(`/api/villages/${b.id}/incidents/${revoked.body.id}/revoke`)
    .set(bearer(town))
    .send({ reason: '记错了村' })
    .expect(200);
  await incident(town, c.id, { occurredOn: lastQuarterDay }).expect(201);
});
afterAll(() => ctx.t.close());

/**
 * Participation: each village is active in this month only, so the quarter's mean is a third of
 * it (甲 1/2, the others 1). Points per household: 甲 5/2, 乙 8 (the best), 丙 and 丁 −2.
 */
const EXPECTED = () => [
  // 13.3 + 30 + (30 − 2 × 10)
  {
    villageId: ctx.b.id,
    name: '乙村',
    rank: 1,
    score: 53.3,
    parts: { participation: 13.3, points: 30, incidents: 10 },
  },
  // 13.3 + 0 + 30: a tie, listed by name (丙 bǐng before 丁 dīng)
  {
    villageId: c.id,
    name: '丙村',
    rank: 2,
    score: 43.3,
    parts: { participation: 13.3, points: 0, incidents: 30 },
  },
  {
    villageId: d.id,
    name: '丁村',
    rank: 2,
    score: 43.3,
    parts: { participation: 13.3, points: 0, incidents: 30 },
  },
  // 1/6 × 40 = 6.7; 2.5 / 8 × 30 = 9.375 → 9.4; 30 − 10
  {
    villageId: ctx.a.id,
    name: '甲村',
    rank: 4,
    score: 36.1,
    parts: { participation: 6.7, points: 9.4, incidents: 20 },
  },
];

describe('incidents', () => {
  it('the town records them for its own villages only; an admin for any; cadres and others never', async () => {
    const { a, cadreA, admin } = ctx;
    await incident(otherTown, a.id).expect(403);
    await incident(cadreA, a.id).expect(403);
    await incident(auditor, a.id).expect(403);
    await incident(villagerToken, a.id).expect(403);
    await incident(town, other.id).expect(403);
    await incident(admin, 999_999).expect(404);
    const made = await incident(admin, other.id, { kind: '零违纪' }).expect(201);
    expect(made.body).toMatchObject({
      villageId: other.id,
      kind: '零违纪',
      occurredOn: today,
      revokedAt: null,
      revokeReason: null,
    });
  });

  it('are read by the town, the admin and the auditor, newest first, revoked ones included', async () => {
    const { t, b, cadreB, admin } = ctx;
    const path = `/api/villages/${b.id}/incidents`;
    for (const token of [town, admin, auditor]) {
      const res = await t.http().get(path).set(bearer(token)).expect(200);
      expect(res.body.map((i: { kind: string }) => i.kind)).toEqual(['零发案', '零违建', '零上访']);
      expect(res.body[0]).toMatchObject({ revokeReason: '记错了村' });
      expect(res.body[0].revokedAt).toEqual(expect.any(String));
      expect(res.body[1].revokedAt).toBeNull();
    }
    await t.http().get(path).set(bearer(cadreB)).expect(403);
    await t.http().get(path).set(bearer(villagerToken)).expect(403);
    await t.http().get(path).set(bearer(otherTown)).expect(403);
    await t.http().get(path).expect(401);
  });

  it('refuses a bad kind, date or description with a 400 naming the field', async () => {
    const { a } = ctx;
    const cases: [object, RegExp][] = [
      [{ kind: '零污染' }, /kind/],
      [{ kind: undefined }, /kind/],
      [{ occurredOn: '2026-02-30' }, /occurredOn/],
      [{ occurredOn: '2026/11/01' }, /occurredOn/],
      [{ occurredOn: '2999-01-01' }, /occurredOn/],
      [{ description: '' }, /description/],
      [{ description: 'x'.repeat(501) }, /description/],
      [{ extra: 1 }, /extra/],
    ];
    for (const [body, field] of cases) {
      const res = await incident(town, a.id, body);
      expect([body, res.status]).toEqual([body, 400]);
      expect(JSON.stringify(res.body.message)).toMatch(field);
    }
  });

  it('a revoke needs a reason, happens once and only in the incident’s village', async () => {
    const { t, a, b } = ctx;
    const made = await incident(town, a.id, { occurredOn: lastQuarterDay }).expect(201);
    const revoke = (villageId: number, id: number, body: object, token = town) =>
      t
        .http()
        .post(`/api/villages/${villageId}/incidents/${id}/revoke`)
        .set(bearer(token))
        .send(body);
    expect(JSON.stringify((await revoke(a.id, made.body.id, {}).expect(400)).body.message)).toMatch(
      /reason/,
    );
    await revoke(a.id, made.body.id, { reason: '误报' }, ctx.cadreA).expect(403);
    await revoke(a.id, made.body.id, { reason: '误报' }, otherTown).expect(403);
    await revoke(b.id, made.body.id, { reason: '误报' }).expect(404);
    const done = await revoke(a.id, made.body.id, { reason: '误报' }).expect(200);
    expect(done.body).toMatchObject({ revokeReason: '误报', revokedBy: expect.any(Number) });
    const again = await revoke(a.id, made.body.id, { reason: '再撤' }).expect(409);
    expect(again.body.code).toBe('INVALID_TRANSITION');
  });

  it('lowers no one’s points: the ledger holds only the deeds', async () => {
    const [{ n }] = await ctx.t.ds.query(`SELECT COUNT(*) AS n FROM ledger_entries`);
    expect(Number(n)).toBe(5);
  });
});

describe('the quarter’s scores', () => {
  it('the draft: the formula over participation, points against the best, and incidents', async () => {
    const res = await ctx.t.http().get(scoresPath()).set(bearer(town)).expect(200);
    expect(res.body).toEqual({
      quarter,
      town: TOWN,
      status: 'draft',
      revision: 0,
      publishedAt: null,
      publicityEndsAt: null,
      villages: EXPECTED(),
    });
  });

  it('a draft is read by the town, the admin and the auditor; 404 without login, 403 to others', async () => {
    const { t, admin, cadreA } = ctx;
    for (const token of [admin, auditor]) {
      const res = await t.http().get(scoresPath()).set(bearer(token)).expect(200);
      expect(res.body.villages).toEqual(EXPECTED());
    }
    await t.http().get(scoresPath()).expect(404);
    await t.http().get(`${scoresPath()}/export`).expect(404);
    for (const token of [cadreA, otherTown, villagerToken]) {
      await t.http().get(scoresPath()).set(bearer(token)).expect(403);
    }
  });

  it('refuses a bad quarter or town with a 400 naming it, and a town without villages with 404', async () => {
    const { t, admin } = ctx;
    for (const q of ['2026-Q5', '2026-12', '2026Q4', '1999-Q1']) {
      const res = await t.http().get(scoresPath(q)).set(bearer(admin));
      expect([q, res.status]).toEqual([q, 400]);
      expect(res.body.message).toMatch(/^quarter/);
    }
    await t
      .http()
      .post(`${scoresPath('2026-Q9')}/publish`)
      .set(bearer(admin))
      .expect(400);
    await t.http().get(scoresPath(quarter, '没有的镇')).set(bearer(admin)).expect(404);
    await t.http().get(scoresPath(quarter, '没有的镇')).expect(404);
    await t
      .http()
      .get(scoresPath(quarter, 'x'.repeat(51)))
      .set(bearer(admin))
      .expect(400);
    for (const raw of ['%00', '%E2%80%AE', '%20%E8%8A%B1']) {
      const res = await t.http().get(`/api/towns/${raw}/scores/${quarter}`).set(bearer(admin));
      expect([raw, res.status]).toEqual([raw, 400]);
    }
  });

  it('only the town itself or an admin publishes', async () => {
    const { t, cadreA } = ctx;
    for (const token of [otherTown, cadreA, auditor, villagerToken]) {
      await t.http().post(`${scoresPath()}/publish`).set(bearer(token)).expect(403);
    }
    await t.http().post(`${scoresPath()}/publish`).expect(401);
    await t.http().get(scoresPath()).expect(404);
  });

  it('publishing freezes the ranking and opens 7 days of publicity, public to anyone', async () => {
    const { t } = ctx;
    const published = await t.http().post(`${scoresPath()}/publish`).set(bearer(town)).expect(200);
    expect(published.body).toMatchObject({
      status: 'publicity',
      revision: 1,
      villages: EXPECTED(),
    });
    const days =
      (Date.parse(published.body.publicityEndsAt) - Date.parse(published.body.publishedAt)) /
      86_400_000;
    expect(days).toBeGreaterThan(7);
    expect(days).toBeLessThanOrEqual(8);

    const anonymous = await t.http().get(scoresPath()).expect(200);
    expect(anonymous.body).toEqual(published.body);
    const cadre = await t.http().get(scoresPath()).set(bearer(ctx.cadreA)).expect(200);
    expect(cadre.body).toEqual(published.body);

    // an incident recorded now does not change what was published …
    await incident(town, ctx.a.id, { kind: '零事故' }).expect(201);
    expect((await t.http().get(scoresPath()).expect(200)).body.villages).toEqual(EXPECTED());
    // … until the town publishes again during the publicity: the next revision
    const again = await t.http().post(`${scoresPath()}/publish`).set(bearer(ctx.admin)).expect(200);
    expect(again.body).toMatchObject({ status: 'publicity', revision: 2 });
    const a = again.body.villages.find((v: { villageId: number }) => v.villageId === ctx.a.id);
    expect(a).toMatchObject({ rank: 4, score: 26.1, parts: { incidents: 10 } });

    const events: { action: string; entity_type: string }[] = await t.ds.query(
      `SELECT action, entity_type FROM audit_events WHERE action LIKE 'town_score.%' OR action LIKE 'incident.%' ORDER BY id`,
    );
    const actions = events.map((e) => e.action);
    expect(actions.filter((x) => x === 'town_score.publish')).toHaveLength(2);
    expect(actions).toContain('incident.create');
    expect(actions).toContain('incident.revoke');
  });

  it('answers the ranking as an XLSX file, to the same readers as the scores', async () => {
    const { t } = ctx;
    const res = await t
      .http()
      .get(`${scoresPath()}/export`)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/spreadsheetml/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="scores-/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as ArrayBuffer); // a Node Buffer; exceljs types it as ArrayBuffer
    const rows = wb.worksheets[0].getSheetValues().filter(Boolean) as unknown[][];
    expect(rows[0].slice(1, 4)).toEqual(['名次', '村', '总分']);
    expect(rows[1].slice(1, 7)).toEqual([1, '乙村', 53.3, 13.3, 30, 10]);
    expect(rows).toHaveLength(5);
    const csv = await t
      .http()
      .get(`${scoresPath()}/export?format=csv`)
      .set(bearer(town))
      .expect(200);
    expect(csv.text).toContain('乙村');
    await t.http().get(`${scoresPath()}/export?format=pdf`).set(bearer(town)).expect(400);
  });

  it('once the publicity has passed the scores are final and cannot be published again', async () => {
    const { t } = ctx;
    await t.ds
      .getRepository(TownScore)
      .update({ town: TOWN, quarter }, { publicityEndsAt: new Date(Date.now() - 1000) });
    const final = await t.http().get(scoresPath()).expect(200);
    expect(final.body).toMatchObject({ status: 'final', revision: 2 });
    const refused = await t.http().post(`${scoresPath()}/publish`).set(bearer(town)).expect(409);
    expect(refused.body.code).toBe('SCORES_FINAL');
    expect((await t.http().get(scoresPath()).expect(200)).body.revision).toBe(2);
  });
});
