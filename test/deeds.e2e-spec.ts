import { todayIn } from '../src/common/time';
import { Deed } from '../src/deeds/deed.entity';
import { LedgerEntry } from '../src/ledger/ledger-entry.entity';
import type { Village } from '../src/villages/village.entity';
import type { Villager } from '../src/villagers/villager.entity';
import { bearer, TestApp } from './app';
import { expectLedgerConsistent, newRule, twoVillages } from './factories';

let t: TestApp;
let a: Village;
let b: Village;
let cadreA: string;
let cadreB: string;
let admin: string;
const today = () => todayIn('Asia/Shanghai');

beforeAll(async () => {
  ({ t, admin, a, b, cadreA, cadreB } = await twoVillages());
});
afterAll(() => t.close());

async function villagerWithLogin(village: Village, o: Partial<Villager> = {}) {
  const v = await t.newVillager(village.id, o);
  return { v, token: await t.tokenFor('villager', { villageId: village.id, villagerId: v.id }) };
}

const body = (villagerId: number, ruleId: number, o: object = {}) => ({
  villagerId,
  ruleId,
  occurredOn: today(),
  description: '帮助邻居抢收稻谷',
  ...o,
});

describe('recording', () => {
  it('a cadre records a deed: approved at once, one ledger entry, balance moves', async () => {
    const rule = await newRule(t, { points: 5 });
    const v = await t.newVillager(a.id);
    const res = await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadreA))
      .send(body(v.id, rule.id, { evidence: 'https://photos.example/1.jpg' }))
      .expect(201);
    expect(res.body).toMatchObject({
      status: 'approved',
      source: 'cadre',
      points: 5,
      ruleTitle: rule.title,
      villageId: a.id,
      month: today().slice(0, 7),
    });
    expect(res.body.reviewedBy).toEqual(expect.any(Number));
    const pts = await t.http().get(`/api/villagers/${v.id}/points`).set(bearer(cadreA)).expect(200);
    expect(pts.body.balance).toBe(5);
    expect(pts.body.entries.items).toHaveLength(1);
    expect(pts.body.entries.items[0]).toMatchObject({
      delta: 5,
      kind: 'deed',
      deedId: res.body.id,
      balanceAfter: 5,
    });
  });

  it('a villager self-reports their own deed as pending; nothing is posted yet', async () => {
    const rule = await newRule(t);
    const { v, token } = await villagerWithLogin(a);
    const res = await t
      .http()
      .post('/api/deeds')
      .set(bearer(token))
      .send({ ruleId: rule.id, occurredOn: today(), description: '打扫村道' })
      .expect(201);
    expect(res.body).toMatchObject({ status: 'pending', source: 'self_report', villagerId: v.id });
    expect(await t.ds.getRepository(LedgerEntry).countBy({ villagerId: v.id })).toBe(0);
    const other = await t.newVillager(a.id);
    await t.http().post('/api/deeds').set(bearer(token)).send(body(other.id, rule.id)).expect(403);
  });

  it('a cadre cannot record for another village; admins and shopkeepers do not record', async () => {
    const rule = await newRule(t);
    const vb = await t.newVillager(b.id);
    await t.http().post('/api/deeds').set(bearer(cadreA)).send(body(vb.id, rule.id)).expect(403);
    await t.http().post('/api/deeds').set(bearer(admin)).send(body(vb.id, rule.id)).expect(403);
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(await t.tokenFor('shopkeeper')))
      .send(body(vb.id, rule.id))
      .expect(403);
    await t.http().post('/api/deeds').send(body(vb.id, rule.id)).expect(401);
    expect(await t.ds.getRepository(Deed).countBy({ villagerId: vb.id })).toBe(0);
  });

  it('a rule of another village is not usable; an inactive rule is refused; an inactive villager is refused', async () => {
    const ruleB = await newRule(t, { villageId: b.id });
    const v = await t.newVillager(a.id);
    const res = await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadreA))
      .send(body(v.id, ruleB.id))
      .expect(400);
    expect(JSON.stringify(res.body.message)).toContain('ruleId');
    const off = await newRule(t, { active: false });
    expect(
      (await t.http().post('/api/deeds').set(bearer(cadreA)).send(body(v.id, off.id)).expect(409))
        .body.code,
    ).toBe('RULE_INACTIVE');
    const gone = await t.newVillager(a.id, { status: 'deceased' });
    const rule = await newRule(t);
    expect(
      (
        await t
          .http()
          .post('/api/deeds')
          .set(bearer(cadreA))
          .send(body(gone.id, rule.id))
          .expect(409)
      ).body.code,
    ).toBe('VILLAGER_NOT_ACTIVE');
  });

  it.each([
    [{ occurredOn: '2026-02-30' }, 'occurredOn'],
    [{ occurredOn: '2026/01/01' }, 'occurredOn'],
    [{ occurredOn: '2999-01-01' }, 'occurredOn'],
    [{ description: '' }, 'description'],
    [{ description: '字'.repeat(501) }, 'description'],
    [{ evidence: 'x'.repeat(1001) }, 'evidence'],
    [{ ruleId: 'one' }, 'ruleId'],
    [{ villagerId: -1 }, 'villagerId'],
    [{ points: 100 }, 'points'],
  ])('bad deed %j → 400 naming the field, nothing written', async (bad, field) => {
    const rule = await newRule(t);
    const v = await t.newVillager(a.id);
    const res = await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadreA))
      .send(body(v.id, rule.id, bad))
      .expect(400);
    expect(JSON.stringify(res.body.message)).toContain(field);
    expect(await t.ds.getRepository(Deed).countBy({ villagerId: v.id })).toBe(0);
  });

  it('tomorrow in Asia/Shanghai is the future even where UTC is still today', async () => {
    const rule = await newRule(t);
    const v = await t.newVillager(a.id);
    const tomorrow = new Date(Date.parse(`${today()}T00:00:00Z`) + 86400_000)
      .toISOString()
      .slice(0, 10);
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadreA))
      .send(body(v.id, rule.id, { occurredOn: tomorrow }))
      .expect(400);
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadreA))
      .send(body(v.id, rule.id, { occurredOn: today() }))
      .expect(201);
  });
});

describe('review', () => {
  async function pending(points = 4, o: object = {}) {
    const rule = await newRule(t, { points, ...o });
    const { v, token } = await villagerWithLogin(a);
    const res = await t
      .http()
      .post('/api/deeds')
      .set(bearer(token))
      .send({ ruleId: rule.id, occurredOn: today(), description: '自报' })
      .expect(201);
    return { deed: res.body as Deed, rule, v, token };
  }

  it("approve posts the rule's points as they are at approval time", async () => {
    const { deed, rule, v } = await pending(4);
    await t
      .http()
      .patch(`/api/rules/${rule.id}`)
      .set(bearer(admin))
      .send({ points: 7, title: '新标题' })
      .expect(200);
    const res = await t
      .http()
      .post(`/api/deeds/${deed.id}/approve`)
      .set(bearer(cadreA))
      .expect(200);
    expect(res.body).toMatchObject({
      status: 'approved',
      points: 7,
      reviewedBy: expect.any(Number),
    });
    expect(await expectLedgerConsistent(t, v.id)).toBe(7);
    // editing the rule again rewrites no history
    await t
      .http()
      .patch(`/api/rules/${rule.id}`)
      .set(bearer(admin))
      .send({ points: 1 })
      .expect(200);
    const after = await t.http().get(`/api/deeds/${deed.id}`).set(bearer(cadreA)).expect(200);
    expect(after.body.points).toBe(7);
    expect(await expectLedgerConsistent(t, v.id)).toBe(7);
  });

  it('reject keeps the reason and posts nothing; any other transition is 409', async () => {
    const { deed, v } = await pending();
    await t.http().post(`/api/deeds/${deed.id}/reject`).set(bearer(cadreA)).send({}).expect(400);
    const res = await t
      .http()
      .post(`/api/deeds/${deed.id}/reject`)
      .set(bearer(cadreA))
      .send({ reason: '证据不足' })
      .expect(200);
    expect(res.body).toMatchObject({ status: 'rejected', reviewReason: '证据不足' });
    for (const action of ['approve', 'reject', 'revoke']) {
      const r = await t
        .http()
        .post(`/api/deeds/${deed.id}/${action}`)
        .set(bearer(cadreA))
        .send({ reason: 'x' })
        .expect(409);
      expect(r.body.code).toBe('INVALID_TRANSITION');
    }
    expect(await expectLedgerConsistent(t, v.id)).toBe(0);
  });

  it('revoke posts exactly one reversal; revoking twice is 409', async () => {
    const { deed, v } = await pending(6);
    await t
      .http()
      .post(`/api/deeds/${deed.id}/revoke`)
      .set(bearer(cadreA))
      .send({ reason: 'x' })
      .expect(409); // still pending
    await t.http().post(`/api/deeds/${deed.id}/approve`).set(bearer(cadreA)).expect(200);
    const res = await t
      .http()
      .post(`/api/deeds/${deed.id}/revoke`)
      .set(bearer(cadreA))
      .send({ reason: '重复登记' })
      .expect(200);
    expect(res.body).toMatchObject({
      status: 'revoked',
      revokeReason: '重复登记',
      revokedBy: expect.any(Number),
    });
    await t
      .http()
      .post(`/api/deeds/${deed.id}/revoke`)
      .set(bearer(cadreA))
      .send({ reason: '再撤' })
      .expect(409);
    const pts = await t.http().get(`/api/villagers/${v.id}/points`).set(bearer(admin)).expect(200);
    expect(pts.body.balance).toBe(0);
    expect(
      pts.body.entries.items.map((e: LedgerEntry) => [e.kind, e.delta, e.balanceAfter]),
    ).toEqual([
      ['reversal', -6, 0],
      ['deed', 6, 6],
    ]);
  });

  it('only a cadre of that village reviews', async () => {
    const { deed, token } = await pending();
    await t.http().post(`/api/deeds/${deed.id}/approve`).set(bearer(cadreB)).expect(404);
    await t.http().post(`/api/deeds/${deed.id}/approve`).set(bearer(token)).expect(403);
    await t.http().post(`/api/deeds/${deed.id}/approve`).set(bearer(admin)).expect(403);
    await t.http().post(`/api/deeds/${deed.id}/approve`).expect(401);
    await t.http().post('/api/deeds/abc/approve').set(bearer(cadreA)).expect(400);
    await t.http().post('/api/deeds/999999/approve').set(bearer(cadreA)).expect(404);
    expect(
      (await t.http().get(`/api/deeds/${deed.id}`).set(bearer(cadreA)).expect(200)).body.status,
    ).toBe('pending');
  });

  it('approval past the monthly cap is 409 and changes nothing; a revoked award frees the slot', async () => {
    const rule = await newRule(t, { points: 2, maxPerMonth: 2 });
    const { v, token } = await villagerWithLogin(a);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t
        .http()
        .post('/api/deeds')
        .set(bearer(token))
        .send({ ruleId: rule.id, occurredOn: today(), description: `第${i}次` })
        .expect(201);
      ids.push(r.body.id);
    }
    await t.http().post(`/api/deeds/${ids[0]}/approve`).set(bearer(cadreA)).expect(200);
    await t.http().post(`/api/deeds/${ids[1]}/approve`).set(bearer(cadreA)).expect(200);
    const refused = await t
      .http()
      .post(`/api/deeds/${ids[2]}/approve`)
      .set(bearer(cadreA))
      .expect(409);
    expect(refused.body.code).toBe('MONTHLY_CAP_REACHED');
    expect((await t.http().get(`/api/deeds/${ids[2]}`).set(bearer(cadreA))).body.status).toBe(
      'pending',
    );
    expect(await expectLedgerConsistent(t, v.id)).toBe(4);
    // a cadre recording directly is capped the same way
    await t.http().post('/api/deeds').set(bearer(cadreA)).send(body(v.id, rule.id)).expect(409);
    await t
      .http()
      .post(`/api/deeds/${ids[0]}/revoke`)
      .set(bearer(cadreA))
      .send({ reason: '误记' })
      .expect(200);
    await t.http().post(`/api/deeds/${ids[2]}/approve`).set(bearer(cadreA)).expect(200);
    expect(await expectLedgerConsistent(t, v.id)).toBe(4);
    // another month has its own allowance
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadreA))
      .send(body(v.id, rule.id, { occurredOn: '2025-01-15' }))
      .expect(201);
  });
});

describe('reading', () => {
  it('filters by village, villager, status and month; a cadre sees only their village; a villager only their own', async () => {
    const rule = await newRule(t);
    const { v, token } = await villagerWithLogin(b);
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadreB))
      .send(body(v.id, rule.id, { occurredOn: '2025-03-31' }))
      .expect(201);
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadreB))
      .send(body(v.id, rule.id, { occurredOn: '2025-04-01' }))
      .expect(201);
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(token))
      .send({ ruleId: rule.id, occurredOn: '2025-04-02', description: '自报' })
      .expect(201);

    const march = await t
      .http()
      .get(`/api/deeds?villagerId=${v.id}&month=2025-03`)
      .set(bearer(cadreB))
      .expect(200);
    expect(march.body.items.map((d: Deed) => d.occurredOn)).toEqual(['2025-03-31']);
    const pendingB = await t
      .http()
      .get('/api/deeds?status=pending')
      .set(bearer(cadreB))
      .expect(200);
    expect(
      pendingB.body.items.every((d: Deed) => d.villageId === b.id && d.status === 'pending'),
    ).toBe(true);
    expect(pendingB.body.total).toBeGreaterThanOrEqual(1);

    const seenByA = await t
      .http()
      .get(`/api/deeds?villagerId=${v.id}`)
      .set(bearer(cadreA))
      .expect(200);
    expect(seenByA.body.total).toBe(0);
    await t.http().get(`/api/deeds?villageId=${b.id}`).set(bearer(cadreA)).expect(403);

    const own = await t.http().get('/api/deeds').set(bearer(token)).expect(200);
    expect(own.body.total).toBe(3);
    const stranger = await villagerWithLogin(b);
    expect((await t.http().get('/api/deeds').set(bearer(stranger.token))).body.total).toBe(0);
    await t.http().get(`/api/deeds?villagerId=${v.id}`).set(bearer(stranger.token)).expect(403);
    await t
      .http()
      .get(`/api/deeds/${own.body.items[0].id}`)
      .set(bearer(stranger.token))
      .expect(404);

    const all = await t
      .http()
      .get(`/api/deeds?villageId=${b.id}&pageSize=2`)
      .set(bearer(admin))
      .expect(200);
    expect(all.body).toMatchObject({ page: 1, pageSize: 2, total: 3 });
    await t.http().get('/api/deeds?month=2025-13').set(bearer(admin)).expect(400);
    await t.http().get('/api/deeds?status=done').set(bearer(admin)).expect(400);

    // 我的申报: the villager's own reports, not what a cadre recorded for them
    const reports = await t.http().get('/api/deeds?source=self_report').set(bearer(token));
    expect(reports.body.items.map((d: Deed) => [d.source, d.description])).toEqual([
      ['self_report', '自报'],
    ]);
    // 今天登记: recorded today, whatever day the deed happened (two were back-dated to 2025)
    const recordedToday = await t
      .http()
      .get(`/api/deeds?source=cadre&recordedOn=${today()}&villagerId=${v.id}`)
      .set(bearer(cadreB))
      .expect(200);
    expect(recordedToday.body.items.map((d: Deed) => d.occurredOn).sort()).toEqual([
      '2025-03-31',
      '2025-04-01',
    ]);
    const yesterday = await t
      .http()
      .get(`/api/deeds?recordedOn=2025-04-01&villagerId=${v.id}`)
      .set(bearer(cadreB))
      .expect(200);
    expect(yesterday.body.total).toBe(0);
    for (const bad of ['source=mayor', 'recordedOn=2025-02-30', 'recordedOn=today']) {
      const refused = await t.http().get(`/api/deeds?${bad}`).set(bearer(admin)).expect(400);
      expect(JSON.stringify(refused.body)).toContain(bad.split('=')[0]);
    }
  });

  it("points: the villager reads their own, the cadre their village's, newest first and paginated", async () => {
    const rule = await newRule(t, { points: 1 });
    const { v, token } = await villagerWithLogin(a);
    for (let i = 0; i < 5; i++)
      await t.http().post('/api/deeds').set(bearer(cadreA)).send(body(v.id, rule.id)).expect(201);
    const res = await t
      .http()
      .get(`/api/villagers/${v.id}/points?pageSize=2`)
      .set(bearer(token))
      .expect(200);
    expect(res.body.balance).toBe(5);
    expect(res.body.entries).toMatchObject({ total: 5, page: 1, pageSize: 2 });
    expect(res.body.entries.items.map((e: LedgerEntry) => e.balanceAfter)).toEqual([5, 4]);
    const other = await villagerWithLogin(a);
    await t.http().get(`/api/villagers/${v.id}/points`).set(bearer(other.token)).expect(404);
    await t.http().get(`/api/villagers/${v.id}/points`).set(bearer(cadreB)).expect(404);
    await t
      .http()
      .get(`/api/villagers/${v.id}/points`)
      .set(bearer(await t.tokenFor('shopkeeper')))
      .expect(403);
    await t.http().get(`/api/villagers/${v.id}/points`).expect(401);
    await t.http().get(`/api/villagers/${v.id}/points?page=x`).set(bearer(token)).expect(400);
  });
});
