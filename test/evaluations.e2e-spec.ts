import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { Deed, type DeedStatus } from '../src/deeds/deed.entity';
import { Evaluation } from '../src/evaluations/evaluation.entity';
import { rankMonth, type VillagerMonth } from '../src/evaluations/ranking';
import type { Rule } from '../src/rules/rule.entity';
import { monthOf, todayIn } from '../src/common/time';
import { withCheckChar } from '../src/villagers/id-number';
import { Villager } from '../src/villagers/villager.entity';
import { Household, Village } from '../src/villages/village.entity';
import { bearer, createTestApp, TestApp } from './app';
import { newRule } from './factories';

/*
 * Deeds go straight into the table: the evaluation reads only what the deeds feature stores
 * (status, points and rule title copied at approval, month of occurredOn).
 */

let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
});
afterAll(() => t.close());

const MONTH = '2026-10';
/** A district rule; deductions file under 环境卫生, merits under 善行义举. */
const rule = (title: string, points: number): Promise<Rule> =>
  newRule(t, { title, points, category: points < 0 ? 'environment' : 'kindness' });

function deedRow(
  villager: Pick<Villager, 'id' | 'villageId'>,
  rule: Rule,
  occurredOn: string,
  status: DeedStatus = 'approved',
): Partial<Deed> {
  const reviewed = status !== 'pending';
  return {
    villageId: villager.villageId,
    villagerId: villager.id,
    ruleId: rule.id,
    ruleTitle: rule.title,
    category: rule.category,
    points: rule.points,
    occurredOn,
    month: monthOf(occurredOn),
    description: '测试事迹',
    evidence: null,
    source: 'cadre',
    status,
    recordedBy: 1,
    recordedAt: new Date(),
    reviewedBy: reviewed ? 1 : null,
    reviewedAt: reviewed ? new Date() : null,
    reviewReason: null,
    revokedBy: status === 'revoked' ? 1 : null,
    revokedAt: status === 'revoked' ? new Date() : null,
    revokeReason: status === 'revoked' ? '记录有误' : null,
  };
}

async function addDeeds(rows: Partial<Deed>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    await t.ds.getRepository(Deed).insert(rows.slice(i, i + 200));
  }
}

const evalPath = (villageId: number | string, month = MONTH) =>
  `/api/villages/${villageId}/evaluations/${month}`;
const boardPath = (code: string, month = MONTH) => `/api/public/villages/${code}/boards/${month}`;

/** supertest parser that keeps a binary body (xlsx) as a Buffer. */
function binary(res: any, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

function nextMonth(): string {
  const [y, m] = monthOf(todayIn('Asia/Shanghai')).split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

describe('evaluation routes: who may do what', () => {
  let village: Village;
  let other: Village;
  let cadre: string;
  let otherCadre: string;
  let villager: string;
  let shopkeeper: string;
  beforeAll(async () => {
    village = await t.newVillage();
    other = await t.newVillage();
    cadre = await t.tokenFor('cadre', { villageId: village.id });
    otherCadre = await t.tokenFor('cadre', { villageId: other.id });
    const v = await t.newVillager(village.id);
    villager = await t.tokenFor('villager', { villageId: village.id, villagerId: v.id });
    shopkeeper = await t.tokenFor('shopkeeper');
  });

  const routes = [
    ['post', ''],
    ['get', ''],
    ['post', '/publish'],
  ] as const;

  it.each(routes)('%s …%s without a token → 401', async (method, suffix) => {
    await t
      .http()
      [method](evalPath(village.id) + suffix)
      .expect(401);
  });

  it.each(routes)('%s …%s as a villager or a shopkeeper → 403', async (method, suffix) => {
    for (const token of [villager, shopkeeper]) {
      await t
        .http()
        [method](evalPath(village.id) + suffix)
        .set(bearer(token))
        .expect(403);
    }
  });

  it.each(routes)("%s …%s by another village's cadre → 403", async (method, suffix) => {
    await t
      .http()
      [method](evalPath(village.id) + suffix)
      .set(bearer(otherCadre))
      .expect(403);
  });

  it("computing and publishing are the cadre's; an admin may read", async () => {
    await t.http().post(evalPath(village.id)).set(bearer(admin)).expect(403);
    await t
      .http()
      .post(`${evalPath(village.id)}/publish`)
      .set(bearer(admin))
      .expect(403);
    await t.http().get(evalPath(village.id)).set(bearer(admin)).expect(404); // not computed yet
    await t.http().post(evalPath(village.id)).set(bearer(cadre)).expect(201);
    const got = await t.http().get(evalPath(village.id)).set(bearer(admin)).expect(200);
    expect(got.body).toMatchObject({ villageId: village.id, month: MONTH, status: 'draft' });
  });

  it.each([
    ['abc', MONTH, 'villageId'],
    ['0', MONTH, 'villageId'],
    ['99999999999', MONTH, 'villageId'],
    ['1', '2026-13', 'month'],
    ['1', '2026-1', 'month'],
    ['1', '202610', 'month'],
    ['1', '2026-10-01', 'month'],
  ])('bad path /villages/%s/evaluations/%s → 400 naming %s', async (id, month, field) => {
    for (const [method, suffix] of routes) {
      const res = await t
        .http()
        [method](evalPath(id, month) + suffix)
        .set(bearer(admin))
        .expect(method === 'get' ? 400 : 403); // the role check comes first for admin's POSTs
      if (method === 'get') expect(JSON.stringify(res.body.message)).toContain(field);
    }
    for (const [method, suffix] of routes.filter(([m]) => m === 'post')) {
      const res = await t
        .http()
        [method](evalPath(id, month) + suffix)
        .set(bearer(cadre))
        .expect(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    }
  });

  it('a month that has not begun yet → 400 naming month, nothing stored', async () => {
    for (const suffix of ['', '/publish']) {
      const res = await t
        .http()
        .post(evalPath(village.id, nextMonth()) + suffix)
        .set(bearer(cadre))
        .expect(400);
      expect(JSON.stringify(res.body.message)).toContain('month');
    }
    expect(
      await t.ds.getRepository(Evaluation).countBy({ villageId: village.id, month: nextMonth() }),
    ).toBe(0);
  });

  it('the current month may be computed (a draft is recomputed at will)', async () => {
    const current = monthOf(todayIn('Asia/Shanghai'));
    await t.http().post(evalPath(village.id, current)).set(bearer(cadre)).expect(201);
  });

  it('an unknown village → 404 for an admin; a never-computed month → 404', async () => {
    await t.http().get(evalPath(999999)).set(bearer(admin)).expect(404);
    await t.http().get(evalPath(village.id, '2020-01')).set(bearer(cadre)).expect(404);
  });
});

describe('the computation', () => {
  let village: Village;
  let cadre: string;
  let ids: Record<string, number>;
  let households: Record<string, Household>;

  beforeAll(async () => {
    village = await t.newVillage({ redListSize: 3 });
    const neighbour = await t.newVillage();
    cadre = await t.tokenFor('cadre', { villageId: village.id });
    households = {
      h1: await t.newHousehold(village.id, { headName: '王大山' }),
      h2: await t.newHousehold(village.id, { headName: '李老四' }),
      h3: await t.newHousehold(village.id, { headName: '陈三' }),
    };
    const good = await rule('好人好事', 10);
    const clean = await rule('门前三包', 5);
    const big = await rule('帮扶困难户', 30);
    const lavish = await rule('大操大办', -20);
    const litter = await rule('乱倒垃圾', -5);
    const huge = await rule('高价彩礼', -100);
    const tiny = await rule('不文明养犬', -1);

    const mk = (name: string, household: Household | null, status: Villager['status'] = 'active') =>
      t.newVillager(village.id, { name, householdId: household?.id ?? null, status });
    const A = await mk('甲', households.h1);
    const B = await mk('乙', households.h2);
    const C = await mk('丙', households.h3);
    const D = await mk('丁', null);
    const E = await mk('戊', households.h1);
    const F = await mk('己', households.h2);
    const G = await mk('庚', households.h3, 'moved');
    const H = await mk('辛', null);
    const I = await mk('壬', null);
    const J = await t.newVillager(neighbour.id, { name: '外村人' });
    ids = { A: A.id, B: B.id, C: C.id, D: D.id, E: E.id, F: F.id, H: H.id, I: I.id };

    await addDeeds([
      // A 20 · B 15 · C 15 · D 10: the red list of 3 takes A, then B and C tied at the cut-off
      deedRow(A, good, '2026-10-02'),
      deedRow(A, good, '2026-10-03'),
      deedRow(B, good, '2026-10-04'),
      deedRow(B, clean, '2026-10-05'),
      deedRow(C, clean, '2026-10-06'),
      deedRow(C, good, '2026-10-07'),
      deedRow(D, good, '2026-10-08'),
      // E: net 25, but one deduction: black list, not red
      deedRow(E, good, '2026-10-01'),
      deedRow(E, good, '2026-10-02'),
      deedRow(E, good, '2026-10-03'),
      deedRow(E, litter, '2026-10-04'),
      // F: the worst; reasons in the order the deeds happened, each title once
      deedRow(F, lavish, '2026-10-05'),
      deedRow(F, litter, '2026-10-06'),
      deedRow(F, lavish, '2026-10-07'),
      // G moved away: not ranked, not counted in the household
      deedRow(G, big, '2026-10-09'),
      deedRow(G, big, '2026-10-10'),
      // H: the deduction was revoked; pending and rejected deeds do not count either
      deedRow(H, big, '2026-10-11'),
      deedRow(H, lavish, '2026-10-12', 'revoked'),
      deedRow(H, big, '2026-10-13', 'pending'),
      deedRow(H, big, '2026-10-14', 'rejected'),
      deedRow(H, huge, '2026-10-15', 'pending'),
      // I: the last day of the month counts, the days either side belong to other months
      deedRow(I, tiny, '2026-10-31'),
      deedRow(I, huge, '2026-11-01'),
      deedRow(I, huge, '2026-09-30'),
      // another village's deed in the same month
      deedRow(J, big, '2026-10-15'),
    ]);
  });

  it('red, black and household lists as §5 defines them', async () => {
    const res = await t.http().post(evalPath(village.id)).set(bearer(cadre)).expect(201);
    expect(res.body).toMatchObject({
      villageId: village.id,
      month: MONTH,
      status: 'draft',
      computedAt: expect.any(String),
      publishedAt: null,
      publishedBy: null,
    });
    expect(res.body.redList).toEqual([
      { rank: 1, villagerId: ids.H, name: '辛', merit: 30, net: 30 },
      { rank: 2, villagerId: ids.A, name: '甲', merit: 20, net: 20 },
      { rank: 3, villagerId: ids.B, name: '乙', merit: 15, net: 15 },
      { rank: 3, villagerId: ids.C, name: '丙', merit: 15, net: 15 },
    ]);
    expect(res.body.blackList).toEqual([
      {
        rank: 1,
        villagerId: ids.F,
        name: '己',
        deductions: -45,
        net: -45,
        reasons: ['大操大办', '乱倒垃圾'],
      },
      { rank: 2, villagerId: ids.E, name: '戊', deductions: -5, net: 25, reasons: ['乱倒垃圾'] },
      { rank: 3, villagerId: ids.I, name: '壬', deductions: -1, net: -1, reasons: ['不文明养犬'] },
    ]);
    // h1 (戊) and h2 (己) have a member on the black list: 一票否决
    const { h3 } = households;
    expect(res.body.households).toEqual([
      {
        rank: 1,
        householdId: h3.id,
        householdNo: h3.householdNo,
        headName: '陈三',
        members: 1,
        net: 15,
      },
    ]);
    const got = await t.http().get(evalPath(village.id)).set(bearer(cadre)).expect(200);
    expect(got.body).toEqual(res.body);
  });

  it('a draft is recomputed at will and picks up new deeds', async () => {
    const first = await t.http().get(evalPath(village.id)).set(bearer(cadre)).expect(200);
    const D = { id: ids.D, villageId: village.id };
    await addDeeds([deedRow(D, await rule('见义勇为', 50), '2026-10-20')]);
    const again = await t.http().post(evalPath(village.id)).set(bearer(cadre)).expect(201);
    expect(again.body.status).toBe('draft');
    expect(again.body.redList[0]).toMatchObject({ rank: 1, villagerId: ids.D, net: 60 });
    expect(new Date(again.body.computedAt).getTime()).toBeGreaterThanOrEqual(
      new Date(first.body.computedAt).getTime(),
    );
    expect(await t.ds.getRepository(Evaluation).countBy({ villageId: village.id })).toBe(1);
  });

  it('a month with no deeds gives empty lists', async () => {
    const res = await t.http().post(evalPath(village.id, '2025-01')).set(bearer(cadre)).expect(201);
    expect(res.body).toMatchObject({ redList: [], blackList: [], households: [] });
  });
});

describe('publication', () => {
  let village: Village;
  let cadre: string;
  let a: Villager;
  let good: Rule;
  beforeAll(async () => {
    village = await t.newVillage();
    cadre = await t.tokenFor('cadre', { villageId: village.id });
    a = await t.newVillager(village.id, { name: '周一' });
    good = await rule('好人好事', 10);
    await addDeeds([deedRow(a, good, '2026-10-03')]);
  });

  it('freezes the stored draft as it is; recompute and republish → 409 MONTH_PUBLISHED', async () => {
    const draft = await t.http().post(evalPath(village.id)).set(bearer(cadre)).expect(201);
    // approved after the draft was computed: publishing freezes the draft the cadre saw
    await addDeeds([deedRow(a, good, '2026-10-04')]);
    const res = await t
      .http()
      .post(`${evalPath(village.id)}/publish`)
      .set(bearer(cadre))
      .expect(201);
    expect(res.body).toMatchObject({
      status: 'publicity',
      revision: 1,
      publicityEndsOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      objections: { filed: 0, resolved: 0 },
      publishedBy: expect.any(Number),
      publishedAt: expect.any(String),
      redList: draft.body.redList,
    });
    expect(res.body.redList[0].net).toBe(10);

    const again = await t.http().post(evalPath(village.id)).set(bearer(cadre)).expect(409);
    expect(again.body.code).toBe('MONTH_PUBLISHED');
    const twice = await t
      .http()
      .post(`${evalPath(village.id)}/publish`)
      .set(bearer(cadre))
      .expect(409);
    expect(twice.body.code).toBe('MONTH_PUBLISHED');

    // deeds approved later do not change the published lists
    await addDeeds([deedRow(a, good, '2026-10-20')]);
    const got = await t.http().get(evalPath(village.id)).set(bearer(admin)).expect(200);
    expect(got.body).toEqual(res.body);
  });

  it('publishing a month without a draft computes it first', async () => {
    const res = await t
      .http()
      .post(`${evalPath(village.id, '2026-09')}/publish`)
      .set(bearer(cadre))
      .expect(201);
    expect(res.body).toMatchObject({ status: 'publicity', redList: [], blackList: [] });
  });

  it('of concurrent publishes exactly one succeeds', async () => {
    const month = '2026-08';
    await addDeeds([deedRow(a, good, `${month}-15`)]);
    const statuses = (
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          t
            .http()
            .post(evalPath(village.id, month) + (i % 2 ? '' : '/publish'))
            .set(bearer(cadre)),
        ),
      )
    ).map((r, i) => [i % 2 ? 'compute' : 'publish', r.status, r.body.code]);
    const published = statuses.filter(([kind, status]) => kind === 'publish' && status === 201);
    expect(published).toHaveLength(1);
    for (const [kind, status, code] of statuses) {
      if (status !== 201) expect([kind, status, code]).toEqual([kind, 409, 'MONTH_PUBLISHED']);
    }
    const rows = await t.ds.getRepository(Evaluation).findBy({ villageId: village.id, month });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'published', result: { redList: [{ net: 10 }] } });
  });

  it('two cadres publishing the same drafted month at once: one 201, one 409', async () => {
    const month = '2026-07';
    const second = await t.tokenFor('cadre', { villageId: village.id });
    await t.http().post(evalPath(village.id, month)).set(bearer(cadre)).expect(201);
    const res = await Promise.all(
      [cadre, second].map((token) =>
        t
          .http()
          .post(`${evalPath(village.id, month)}/publish`)
          .set(bearer(token)),
      ),
    );
    expect(res.map((r) => r.status).sort()).toEqual([201, 409]);
  });
});

describe('the query agrees with the ranking rules on random data', () => {
  it('random deeds over three months and five statuses', async () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor(seed / 2 ** 16) % n; // the high bits: an LCG's low bits cycle
    };
    const village = await t.newVillage({ redListSize: 5 });
    const cadre = await t.tokenFor('cadre', { villageId: village.id });
    const hhs = [];
    for (let i = 0; i < 6; i++) hhs.push(await t.newHousehold(village.id, { headName: `户${i}` }));
    const rules = [];
    // one pick in six is a deduction, so both lists have rows
    for (const [title, points] of [
      ['甲', 10],
      ['乙', 5],
      ['丙', 3],
      ['丁', 10],
      ['戊', 20],
      ['己', -5],
      ['庚', 5],
      ['辛', 3],
      ['壬', 10],
      ['癸', 20],
      ['子', -10],
      ['丑', 1],
    ] as const) {
      rules.push(await rule(title, points));
    }
    const villagers: Villager[] = [];
    for (let i = 0; i < 40; i++) {
      villagers.push(
        await t.newVillager(village.id, {
          name: `村民${i}`,
          householdId: rand(3) ? hhs[rand(6)].id : null,
          status: rand(10) ? 'active' : rand(2) ? 'moved' : 'deceased',
        }),
      );
    }
    const statuses: DeedStatus[] = [
      'approved',
      'approved',
      'approved',
      'pending',
      'rejected',
      'revoked',
    ];
    const rows: Partial<Deed>[] = [];
    for (let i = 0; i < 400; i++) {
      const month = ['2026-09', '2026-10', '2026-11'][rand(3)];
      const day = String(1 + rand(30)).padStart(2, '0');
      rows.push(
        deedRow(villagers[rand(40)], rules[rand(12)], `${month}-${day}`, statuses[rand(6)]),
      );
    }
    await addDeeds(rows);

    // the reference: the same rules over the rows in memory, in insertion (id) order
    const stored = await t.ds
      .getRepository(Deed)
      .find({ where: { villageId: village.id }, order: { occurredOn: 'ASC', id: 'ASC' } });
    const active = new Map(villagers.filter((v) => v.status === 'active').map((v) => [v.id, v]));
    const tally = new Map<number, VillagerMonth>();
    for (const d of stored) {
      const v = active.get(d.villagerId);
      if (!v || d.month !== MONTH || d.status !== 'approved') continue;
      const row = tally.get(v.id) ?? {
        villagerId: v.id,
        name: v.name,
        householdId: v.householdId,
        merit: 0,
        deductions: 0,
        deductionReasons: [],
      };
      if (d.points > 0) row.merit += d.points;
      else {
        row.deductions += d.points;
        row.deductionReasons.push(d.ruleTitle);
      }
      tally.set(v.id, row);
    }
    const expected = rankMonth([...tally.values()], hhs, 5);
    expect(expected.redList.length).toBeGreaterThan(0);
    expect(expected.blackList.length).toBeGreaterThan(0);

    const res = await t.http().post(evalPath(village.id)).set(bearer(cadre)).expect(201);
    expect({
      redList: res.body.redList,
      blackList: res.body.blackList,
      households: res.body.households,
    }).toEqual(expected);
  });
});

describe('public board', () => {
  let village: Village;
  let cadre: string;
  const ID_NUMBER = withCheckChar('43130219850612301');
  const PHONE = '13800001234';
  const HOUSEHOLD_NO = 'HH-7788';
  const GROUP = '老屋场五组';
  let published: Record<string, unknown>;
  let good: Rule;
  let wang: Villager;

  beforeAll(async () => {
    // a village that chose to show names online, for two years: this spec is about the formats
    // (the defaults, masked names and the rest, are test/board-privacy.e2e-spec.ts)
    village = await t.newVillage({
      code: `BOARD${process.pid}`,
      name: '石井村',
      town: '杉山镇',
      boardNames: 'full',
      boardBlackList: 'names',
      boardRetentionMonths: 24,
    });
    cadre = await t.tokenFor('cadre', { villageId: village.id });
    const h = await t.newHousehold(village.id, {
      householdNo: HOUSEHOLD_NO,
      headName: '王大山',
      group: GROUP,
    });
    wang = await t.newVillager(village.id, {
      name: '王秋菊',
      householdId: h.id,
      idNumber: ID_NUMBER,
      phone: PHONE,
    });
    const li = await t.newVillager(village.id, { name: '李四', phone: '13900009999' });
    const hostile = await t.newVillager(village.id, { name: '<b>"=1+1"</b>', householdId: h.id });
    good = await rule('好人好事', 10);
    await addDeeds([
      deedRow(wang, good, '2026-10-03'),
      deedRow(wang, good, '2026-10-04'),
      deedRow(hostile, good, '2026-10-05'),
      deedRow(li, await rule('大操大办', -20), '2026-10-06'),
      deedRow(li, await rule('乱倒垃圾 & 焚烧秸秆', -5), '2026-10-07'),
    ]);
    // a draft only, for the 404 below
    await t.http().post(evalPath(village.id, '2026-09')).set(bearer(cadre)).expect(201);
    const res = await t
      .http()
      .post(`${evalPath(village.id)}/publish`)
      .set(bearer(cadre))
      .expect(201);
    published = res.body;
  });

  it('JSON by default, without login: names and points only', async () => {
    const res = await t.http().get(boardPath(village.code)).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      village: { code: village.code, name: '石井村', town: '杉山镇' },
      month: MONTH,
      revision: 1,
      status: 'publicity',
      publicityEndsOn: published.publicityEndsOn,
      objections: { filed: 0, resolved: 0 },
      publishedAt: published.publishedAt,
      publishedOn: todayIn('Asia/Shanghai', new Date(published.publishedAt as string)),
      redList: [
        { rank: 1, name: '王秋菊', net: 20 },
        { rank: 2, name: '<b>"=1+1"</b>', net: 10 },
      ],
      blackList: [
        { rank: 1, name: '李四', deductions: -25, reasons: ['大操大办', '乱倒垃圾 & 焚烧秸秆'] },
      ],
      households: [{ rank: 1, headName: '王大山', members: 2, net: 30 }],
    });
    const again = await t
      .http()
      .get(`${boardPath(village.code)}?format=json`)
      .expect(200);
    expect(again.body).toEqual(res.body);
  });

  it('404 for a draft month, a never-computed month and an unknown village', async () => {
    await t.http().get(boardPath(village.code, '2026-09')).expect(404);
    await t.http().get(boardPath(village.code, '2020-01')).expect(404);
    await t.http().get(boardPath('NO-SUCH-VILLAGE')).expect(404);
    await t
      .http()
      .get(boardPath('x'.repeat(300)))
      .expect(404);
  });

  it('400 for a bad month or format, naming it', async () => {
    const month = await t.http().get(boardPath(village.code, '2026-1')).expect(400);
    expect(JSON.stringify(month.body.message)).toContain('month');
    const format = await t
      .http()
      .get(`${boardPath(village.code)}?format=pdf`)
      .expect(400);
    expect(JSON.stringify(format.body.message)).toContain('format');
  });

  it('CSV: UTF-8 with a BOM, quoted, as an attachment', async () => {
    const res = await t
      .http()
      .get(`${boardPath(village.code)}?format=csv`)
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain(
      `attachment; filename="board-${village.code}-${MONTH}.csv"`,
    );
    expect(res.headers['content-disposition']).toContain(
      `filename*=UTF-8''${encodeURIComponent('石井村 2026年10月 文明积分评比.csv')}`,
    );
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = body.toString('utf8');
    expect(text).toContain(
      '\r\n红榜\r\n名次,姓名,积分\r\n1,王秋菊,20\r\n2,"<b>""=1+1""</b>",10\r\n',
    );
    expect(text).toContain(
      '\r\n黑榜\r\n名次,姓名,扣分,原因\r\n1,李四,-25,大操大办、乱倒垃圾 & 焚烧秸秆\r\n',
    );
    expect(text).toContain('\r\n文明家庭\r\n名次,户主,计分人数,积分\r\n1,王大山,2,30\r\n');
  });

  async function workbook(): Promise<ExcelJS.Workbook> {
    const res = await t
      .http()
      .get(`${boardPath(village.code)}?format=xlsx`)
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(res.headers['content-disposition']).toContain(
      `filename="board-${village.code}-${MONTH}.xlsx"`,
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as ArrayBuffer); // a Node Buffer; exceljs types it as ArrayBuffer
    return wb;
  }

  const values = (ws: ExcelJS.Worksheet) =>
    ws
      .getSheetValues()
      .filter(Boolean)
      .map((row) => (row as unknown[]).slice(1));

  it('XLSX: a real workbook with 红榜, 黑榜 and 文明家庭 sheets', async () => {
    const wb = await workbook();
    expect(wb.worksheets.map((ws) => ws.name)).toEqual(['红榜', '黑榜', '文明家庭']);
    expect(values(wb.getWorksheet('红榜')!)).toEqual([
      ['名次', '姓名', '积分'],
      [1, '王秋菊', 20],
      [2, '<b>"=1+1"</b>', 10],
    ]);
    expect(values(wb.getWorksheet('黑榜')!)).toEqual([
      ['名次', '姓名', '扣分', '原因'],
      [1, '李四', -25, '大操大办、乱倒垃圾 & 焚烧秸秆'],
    ]);
    expect(values(wb.getWorksheet('文明家庭')!)).toEqual([
      ['名次', '户主', '计分人数', '积分'],
      [1, '王大山', 2, 30],
    ]);
  });

  it('HTML: a printable Chinese page, every value escaped', async () => {
    const res = await t
      .http()
      .get(`${boardPath(village.code)}?format=html`)
      .expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-disposition']).toBeUndefined();
    const html = res.text;
    expect(html).toContain('@page { size: A4;');
    // the one inline style is allowed by its hash, as a browser checks it under the CSP
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    const hash = createHash('sha256').update(style).digest('base64');
    expect(res.headers['content-security-policy']).toMatch(
      new RegExp(`style-src 'self' 'sha256-${hash.replace(/[+/]/g, '\\$&')}'(;|$)`),
    );
    expect(html.match(/<style/g)).toHaveLength(1);
    expect(html).not.toMatch(/ style=/);
    for (const text of [
      '石井村',
      '杉山镇',
      '2026年10月',
      '红榜',
      '黑榜',
      '文明家庭',
      '王秋菊',
      '王大山',
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toContain('大操大办、乱倒垃圾 &amp; 焚烧秸秆');
    expect(html).toContain('&lt;b&gt;&quot;=1+1&quot;&lt;/b&gt;');
    expect(html).not.toContain('<b>');
    const [y, m, d] = (res.text.match(/发布日期：(\d{4})年(\d+)月(\d+)日/) ?? []).slice(1);
    expect(`${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`).toBe(
      todayIn('Asia/Shanghai', new Date(published.publishedAt as string)),
    );
  });

  it('no ID numbers, phones, household numbers or groups in any format', async () => {
    const outputs: string[] = [];
    for (const format of ['json', 'csv', 'html']) {
      const res = await t
        .http()
        .get(`${boardPath(village.code)}?format=${format}`)
        .expect(200);
      outputs.push(format === 'json' ? JSON.stringify(res.body) : res.text);
    }
    const wb = await workbook();
    outputs.push(JSON.stringify(wb.worksheets.map(values)));
    for (const text of outputs) {
      for (const secret of [
        ID_NUMBER,
        ID_NUMBER.slice(-4) + '"',
        PHONE,
        '13900009999',
        HOUSEHOLD_NO,
        GROUP,
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toMatch(/villagerId|householdId|householdNo/);
    }
  });

  it('deeds approved after publication change nothing on the board', async () => {
    const before = await t.http().get(boardPath(village.code)).expect(200);
    const csvBefore = await t
      .http()
      .get(`${boardPath(village.code)}?format=csv`)
      .expect(200);
    await addDeeds([deedRow(wang, await rule('见义勇为', 100), '2026-10-30')]);
    const after = await t.http().get(boardPath(village.code)).expect(200);
    expect(after.body).toEqual(before.body);
    const csvAfter = await t
      .http()
      .get(`${boardPath(village.code)}?format=csv`)
      .expect(200);
    expect(csvAfter.text).toBe(csvBefore.text);
  });
});
