import { In } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { todayIn } from '../src/common/time';
import { DeedBatch } from '../src/deeds/deed-batch.entity';
import { Deed } from '../src/deeds/deed.entity';
import type { Village } from '../src/villages/village.entity';
import { bearer, createTestApp, TestApp } from './app';
import { expectLedgerConsistent, newRule } from './factories';

/** 批量记分 (docs/product.md): one rule, one day, many villagers, one transaction, a result each. */
let t: TestApp;
let a: Village;
let b: Village;
let cadreA: string;
let admin: string;
const today = () => todayIn('Asia/Shanghai');

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
  a = await t.newVillage();
  b = await t.newVillage();
  cadreA = await t.tokenFor('cadre', { villageId: a.id });
});
afterAll(() => t.close());

let keys = 0;
const batch = (ruleId: number, villagerIds: number[], o: object = {}) => ({
  ruleId,
  occurredOn: today(),
  description: '义务劳动：清理河道',
  villagerIds,
  batchKey: `batch-${process.pid}-${++keys}`,
  ...o,
});
const bulk = (token: string, body: object) =>
  t.http().post('/api/deeds/bulk').set(bearer(token)).send(body);

describe('POST /api/deeds/bulk', () => {
  it('401 without a token; 403 for anyone but a cadre', async () => {
    const rule = await newRule(t);
    const v = await t.newVillager(a.id);
    await t
      .http()
      .post('/api/deeds/bulk')
      .send(batch(rule.id, [v.id]))
      .expect(401);
    const villager = await t.tokenFor('villager', { villageId: a.id, villagerId: v.id });
    for (const token of [admin, villager]) await bulk(token, batch(rule.id, [v.id])).expect(403);
    expect(await t.ds.getRepository(Deed).countBy({ villagerId: v.id })).toBe(0);
  });

  it.each([
    ['no villagers', { villagerIds: [] }, 'villagerIds'],
    ['501 villagers', { villagerIds: Array.from({ length: 501 }, (_, i) => i + 1) }, 'villagerIds'],
    ['the same villager twice', { villagerIds: [1, 1] }, 'villagerIds'],
    ['no batch key', { batchKey: undefined }, 'batchKey'],
    ['a batch key with a space', { batchKey: 'a b' }, 'batchKey'],
    ['a day in the future', { occurredOn: '2999-01-01' }, 'occurredOn'],
    ['not a date', { occurredOn: '2026-02-30' }, 'occurredOn'],
  ])('400 for %s, naming the field, and nothing recorded', async (_, over, field) => {
    const rule = await newRule(t);
    const before = await t.ds.getRepository(Deed).count();
    const res = await bulk(cadreA, batch(rule.id, [1], over)).expect(400);
    expect(JSON.stringify(res.body.message)).toContain(field);
    expect(await t.ds.getRepository(Deed).count()).toBe(before);
  });

  it('a result per villager, in the order sent; refusals skip only that villager', async () => {
    const rule = await newRule(t, { points: 5, maxPerMonth: 1 });
    const [v1, v2, capped] = [
      await t.newVillager(a.id),
      await t.newVillager(a.id),
      await t.newVillager(a.id),
    ];
    const moved = await t.newVillager(a.id, { status: 'moved' });
    const outsider = await t.newVillager(b.id);
    await bulk(cadreA, batch(rule.id, [capped.id])).expect(200);
    const res = await bulk(
      cadreA,
      batch(rule.id, [v2.id, outsider.id, capped.id, moved.id, 999999, v1.id]),
    ).expect(200);
    expect(res.body.results).toEqual([
      { villagerId: v2.id, outcome: 'awarded', deedId: expect.any(Number) },
      { villagerId: outsider.id, outcome: 'NOT_IN_VILLAGE' },
      { villagerId: capped.id, outcome: 'MONTHLY_CAP_REACHED' },
      { villagerId: moved.id, outcome: 'VILLAGER_NOT_ACTIVE' },
      { villagerId: 999999, outcome: 'NOT_IN_VILLAGE' },
      { villagerId: v1.id, outcome: 'awarded', deedId: expect.any(Number) },
    ]);
    for (const v of [v1, v2, capped]) expect(await expectLedgerConsistent(t, v.id)).toBe(5);
    for (const v of [moved, outsider]) expect(await expectLedgerConsistent(t, v.id)).toBe(0);
    expect(await t.ds.getRepository(Deed).countBy({ villagerId: capped.id })).toBe(1);
  });

  it('an unknown or other village’s rule refuses the whole batch and records nothing', async () => {
    const v = await t.newVillager(a.id);
    const foreign = await newRule(t, { villageId: b.id });
    const body = batch(foreign.id, [v.id]);
    await bulk(cadreA, body).expect(400);
    // the key was not used up: the corrected batch may reuse it
    const rule = await newRule(t);
    await bulk(cadreA, { ...body, ruleId: rule.id }).expect(200);
    expect(await t.ds.getRepository(Deed).countBy({ villagerId: v.id })).toBe(1);
  });

  it('the same batch key again returns the first results and awards nothing more', async () => {
    const rule = await newRule(t, { points: 3 });
    const v = await t.newVillager(a.id);
    const body = batch(rule.id, [v.id]);
    const first = await bulk(cadreA, body).expect(200);
    const again = await bulk(cadreA, body).expect(200);
    expect(again.body).toEqual(first.body);
    const other = await bulk(cadreA, { ...body, description: '另一次劳动' }).expect(409);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await expectLedgerConsistent(t, v.id)).toBe(3);
  });

  it('the same batch sent five times at once awards once', async () => {
    const rule = await newRule(t, { points: 2 });
    const vs = [await t.newVillager(a.id), await t.newVillager(a.id)];
    const body = batch(
      rule.id,
      vs.map((v) => v.id),
    );
    const answers = await Promise.all(Array.from({ length: 5 }, () => bulk(cadreA, body)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    for (const r of answers) expect(r.body).toEqual(answers[0].body);
    for (const v of vs) expect(await expectLedgerConsistent(t, v.id)).toBe(2);
    expect(await t.ds.getRepository(DeedBatch).countBy({ batchKey: body.batchKey })).toBe(1);
  });

  it('bulk and single awards at the same moment keep the monthly cap exact', async () => {
    const rule = await newRule(t, { points: 1, maxPerMonth: 2 });
    const vs = [];
    for (let i = 0; i < 12; i++) vs.push(await t.newVillager(a.id));
    const ids = vs.map((v) => v.id);
    const single = (villagerId: number) =>
      t
        .http()
        .post('/api/deeds')
        .set(bearer(cadreA))
        .send({ villagerId, ruleId: rule.id, occurredOn: today(), description: '单独记分' });
    const answers = await Promise.all([
      bulk(cadreA, batch(rule.id, ids)),
      bulk(cadreA, batch(rule.id, [...ids].reverse())),
      ...ids.map(single),
      ...ids.map(single),
    ]);
    expect(answers.filter((r) => r.status >= 500)).toEqual([]);
    for (const v of vs) {
      const approved = await t.ds
        .getRepository(Deed)
        .countBy({ villagerId: v.id, ruleId: rule.id, status: 'approved' });
      expect(approved).toBe(2);
      expect(await expectLedgerConsistent(t, v.id)).toBe(2);
    }
  });
});

describe('POST /api/deeds/bulk and the audit trail', () => {
  it('one deed.record event per awarded villager, none for a refusal, all of the one request', async () => {
    const rule = await newRule(t, { points: 4, maxPerMonth: 1 });
    const [v1, v2] = [await t.newVillager(a.id), await t.newVillager(a.id)];
    const moved = await t.newVillager(a.id, { status: 'moved' });
    const res = await bulk(cadreA, batch(rule.id, [v1.id, moved.id, v2.id])).expect(200);
    const deedIds = res.body.results
      .filter((r: { outcome: string }) => r.outcome === 'awarded')
      .map((r: { deedId: number }) => r.deedId);
    expect(deedIds).toHaveLength(2);
    const events = await t.ds
      .getRepository(AuditEvent)
      .find({ where: { entityType: 'deed', entityId: In(deedIds) } });
    expect(events.map((e) => e.action)).toEqual(['deed.record', 'deed.record']);
    expect(new Set(events.map((e) => e.requestId)).size).toBe(1);
    expect(res.headers['x-request-id']).toBe(events[0].requestId);
  });
});
