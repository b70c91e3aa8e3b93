import fc from 'fast-check';
import { todayIn } from '../src/common/time';
import { Dialect } from '../src/db/dialect';
import { Deed } from '../src/deeds/deed.entity';
import { MAX_SELF_REPORTS_PER_DAY } from '../src/deeds/deeds.service';
import { Tx } from '../src/db/transaction';
import { LedgerEntry } from '../src/ledger/ledger-entry.entity';
import type { Village } from '../src/villages/village.entity';
import { bearer, createTestApp, isPostgres, TestApp } from './app';
import { expectLedgerConsistent, newRule } from './factories';

let t: TestApp;
let village: Village;
let cadre: string;
const today = () => todayIn('Asia/Shanghai');

beforeAll(async () => {
  t = await createTestApp();
  village = await t.newVillage();
  cadre = await t.tokenFor('cadre', { villageId: village.id });
});
afterAll(() => t.close());

describe('the transaction helper', () => {
  it('refuses a nested transaction', async () => {
    const tx = t.app.get(Tx);
    await expect(tx.run(() => tx.run(async () => 1))).rejects.toThrow(/Nested transaction/);
  });

  it('refuses a statement on the readers inside a transaction, answers it outside', async () => {
    const tx = t.app.get(Tx);
    const sql = t.app.get(Dialect).placeholders('SELECT id FROM villages WHERE id = $1');
    await expect(tx.run(() => tx.query(sql, [village.id]))).rejects.toThrow(/inside a transaction/);
    expect(await tx.query<{ id: number }>(sql, [village.id])).toEqual([{ id: village.id }]);
  });

  it('a failing transaction leaves nothing behind, even while others run beside it', async () => {
    const tx = t.app.get(Tx);
    const v = await t.newVillager(village.id);
    const runs = Array.from({ length: 20 }, (_, i) =>
      tx.run(async (em) => {
        await em.insert(LedgerEntry, {
          villagerId: v.id,
          villageId: village.id,
          delta: 1,
          kind: 'adjustment',
          balanceAfter: 0,
          actorId: 1,
          createdAt: new Date(),
        });
        await new Promise((r) => setTimeout(r, 1));
        if (i % 2) throw new Error('boom');
      }),
    );
    const results = await Promise.allSettled(runs);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(10);
    expect(await t.ds.getRepository(LedgerEntry).countBy({ villagerId: v.id })).toBe(10);
  });
});

describe('100 concurrent records and approvals for one villager', () => {
  it('all land, with the exact balance and an unbroken balanceAfter chain', async () => {
    const rule = await newRule(t, { points: 3 });
    const penalty = await newRule(t, { points: -2, category: 'environment' });
    const v = await t.newVillager(village.id);
    const villager = await t.tokenFor('villager', { villageId: village.id, villagerId: v.id });
    const pending: number[] = [];
    for (let i = 0; i < 50; i++) {
      // a villager reports at most 20 a day: these are spread over the last days
      if (i % MAX_SELF_REPORTS_PER_DAY === 0) {
        await t.ds
          .getRepository(Deed)
          .update({ villagerId: v.id }, { recordedAt: new Date(Date.now() - 25 * 3600_000) });
      }
      const r = await t
        .http()
        .post('/api/deeds')
        .set(bearer(villager))
        .send({ ruleId: rule.id, occurredOn: today(), description: `自报${i}` })
        .expect(201);
      pending.push(r.body.id);
    }
    const requests = [
      ...pending.map((id) => t.http().post(`/api/deeds/${id}/approve`).set(bearer(cadre))),
      ...Array.from({ length: 50 }, (_, i) =>
        t
          .http()
          .post('/api/deeds')
          .set(bearer(cadre))
          .send({
            villagerId: v.id,
            ruleId: i % 5 ? rule.id : penalty.id,
            occurredOn: today(),
            description: `记录${i}`,
          }),
      ),
    ];
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    expect(statuses.filter((s) => s === 200 || s === 201)).toHaveLength(100);
    // 50 approvals × 3 + 40 records × 3 + 10 deductions × −2
    expect(await expectLedgerConsistent(t, v.id)).toBe(150 + 120 - 20);
    expect(await t.ds.getRepository(LedgerEntry).countBy({ villagerId: v.id })).toBe(100);
  });

  it('concurrent approvals of one deed post exactly one entry; a capped rule never exceeds its cap', async () => {
    const capped = await newRule(t, { points: 5, maxPerMonth: 3 });
    const v = await t.newVillager(village.id);
    const villager = await t.tokenFor('villager', { villageId: village.id, villagerId: v.id });
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push(
        (
          await t
            .http()
            .post('/api/deeds')
            .set(bearer(villager))
            .send({ ruleId: capped.id, occurredOn: today(), description: `自报${i}` })
        ).body.id,
      );
    }
    const same = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.http().post(`/api/deeds/${ids[0]}/approve`).set(bearer(cadre)),
      ),
    );
    expect(same.filter((r) => r.status === 200)).toHaveLength(1);
    expect(same.filter((r) => r.status === 409)).toHaveLength(9);
    const rest = await Promise.all(
      ids.slice(1).map((id) => t.http().post(`/api/deeds/${id}/approve`).set(bearer(cadre))),
    );
    expect(rest.filter((r) => r.status === 200)).toHaveLength(2);
    expect(rest.every((r) => r.status === 200 || r.body.code === 'MONTHLY_CAP_REACHED')).toBe(true);
    expect(await expectLedgerConsistent(t, v.id)).toBe(15);
  });
});

describe('random sequences of record / self-report / approve / reject / revoke', () => {
  type Action =
    | { kind: 'record'; rule: number }
    | { kind: 'report'; rule: number }
    | { kind: 'approve' | 'reject' | 'revoke'; pick: number };

  const action: fc.Arbitrary<Action> = fc.oneof(
    fc.record({ kind: fc.constant('record' as const), rule: fc.nat(2) }),
    fc.record({ kind: fc.constant('report' as const), rule: fc.nat(2) }),
    fc.record({
      kind: fc.constantFrom('approve' as const, 'reject' as const, 'revoke' as const),
      pick: fc.nat(50),
    }),
  );

  it('after every step: balance = sum of entries = the model, and balanceAfter chains', async () => {
    const rules = [
      await newRule(t, { points: 4 }),
      await newRule(t, { points: -7, category: 'family' }),
      await newRule(t, { points: 10, maxPerMonth: 2, category: 'industry' }),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 1, maxLength: isPostgres ? 12 : 20 }),
        async (actions) => {
          const v = await t.newVillager(village.id);
          const villager = await t.tokenFor('villager', {
            villageId: village.id,
            villagerId: v.id,
          });
          // the model: each deed's status and points
          const deeds: { id: number; status: string; points: number; rule: number }[] = [];
          const approvedOf = (rule: number) =>
            deeds.filter((d) => d.rule === rule && d.status === 'approved').length;
          for (const a of actions) {
            if (a.kind === 'record' || a.kind === 'report') {
              const token = a.kind === 'record' ? cadre : villager;
              const res = await t.http().post('/api/deeds').set(bearer(token)).send({
                villagerId: v.id,
                ruleId: rules[a.rule].id,
                occurredOn: today(),
                description: a.kind,
              });
              const capped =
                rules[a.rule].maxPerMonth !== null &&
                approvedOf(a.rule) >= rules[a.rule].maxPerMonth!;
              if (a.kind === 'record' && capped) {
                expect(res.status).toBe(409);
              } else {
                expect(res.status).toBe(201);
                deeds.push({
                  id: res.body.id,
                  status: res.body.status,
                  points: rules[a.rule].points,
                  rule: a.rule,
                });
              }
            } else if (deeds.length > 0) {
              const d = deeds[a.pick % deeds.length];
              const res = await t
                .http()
                .post(`/api/deeds/${d.id}/${a.kind}`)
                .set(bearer(cadre))
                .send(a.kind === 'approve' ? {} : { reason: '核查' });
              const from = a.kind === 'revoke' ? 'approved' : 'pending';
              const capped =
                a.kind === 'approve' &&
                rules[d.rule].maxPerMonth !== null &&
                approvedOf(d.rule) >= rules[d.rule].maxPerMonth!;
              if (d.status !== from || capped) {
                expect(res.status).toBe(409);
              } else {
                expect(res.status).toBe(200);
                d.status = { approve: 'approved', reject: 'rejected', revoke: 'revoked' }[a.kind];
              }
            }
            const expected = deeds
              .filter((d) => d.status === 'approved')
              .reduce((s, d) => s + d.points, 0);
            expect(await expectLedgerConsistent(t, v.id)).toBe(expected);
          }
        },
      ),
      { numRuns: isPostgres ? 15 : 30 },
    );
  });
});

describe('the ledger is append-only in the database', () => {
  it('UPDATE and DELETE on ledger_entries fail', async () => {
    const rule = await newRule(t, { points: 2 });
    const v = await t.newVillager(village.id);
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadre))
      .send({ villagerId: v.id, ruleId: rule.id, occurredOn: today(), description: '记录' })
      .expect(201);
    await expect(
      t.ds.query(`UPDATE ledger_entries SET delta = 100 WHERE villager_id = ${v.id}`),
    ).rejects.toThrow(/append-only/);
    await expect(
      t.ds.query(`DELETE FROM ledger_entries WHERE villager_id = ${v.id}`),
    ).rejects.toThrow(/append-only/);
    expect(await expectLedgerConsistent(t, v.id)).toBe(2);
  });
});
