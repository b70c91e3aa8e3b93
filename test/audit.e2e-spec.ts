import { AuditEvent } from '../src/audit/audit-event.entity';
import { User } from '../src/auth/user.entity';
import { Deed } from '../src/deeds/deed.entity';
import { LedgerEntry } from '../src/ledger/ledger-entry.entity';
import { todayIn } from '../src/common/time';
import { withCheckChar } from '../src/villagers/id-number';
import { Villager } from '../src/villagers/villager.entity';
import type { Village } from '../src/villages/village.entity';
import { bearer, TestApp } from './app';
import { newRule, newShop, twoVillages } from './factories';

/** The audit trail (docs/product.md): one append-only event per change, in the change's transaction. */
let t: TestApp;
let a: Village;
let b: Village;
let cadreA: string;
let cadreB: string;
let admin: string;
const today = () => todayIn('Asia/Shanghai');
const events = () => t.ds.getRepository(AuditEvent);

beforeAll(async () => {
  ({ t, admin, a, b, cadreA, cadreB } = await twoVillages());
});
afterAll(() => t.close());

const record = (token: string, villagerId: number, ruleId: number) =>
  t
    .http()
    .post('/api/deeds')
    .set(bearer(token))
    .send({ villagerId, ruleId, occurredOn: today(), description: '打扫祠堂' });

describe('events are written with the change, and only with it', () => {
  it('a recorded deed: who, role, action, the fields, the request id', async () => {
    const rule = await newRule(t, { points: 5 });
    const v = await t.newVillager(a.id);
    const res = await record(cadreA, v.id, rule.id).set('X-Request-Id', 'req-audit-1').expect(201);
    const [event] = await events().findBy({ entityType: 'deed', entityId: res.body.id });
    expect(event).toMatchObject({
      action: 'deed.record',
      role: 'cadre',
      villageId: a.id,
      requestId: 'req-audit-1',
      reason: null,
    });
    expect(event.changes).toMatchObject({ points: [null, 5], status: [null, 'approved'] });
  });

  it('review and revoke each write one event with the reason', async () => {
    const rule = await newRule(t, { points: 4 });
    const v = await t.newVillager(a.id);
    const deed = (await record(cadreA, v.id, rule.id).expect(201)).body;
    await t
      .http()
      .post(`/api/deeds/${deed.id}/revoke`)
      .set(bearer(cadreA))
      .send({ reason: '记错了' })
      .expect(200);
    const trail = await events().find({
      where: { entityType: 'deed', entityId: deed.id },
      order: { id: 'ASC' },
    });
    expect(trail.map((e) => e.action)).toEqual(['deed.record', 'deed.revoke']);
    expect(trail[1]).toMatchObject({
      reason: '记错了',
      changes: { status: ['approved', 'revoked'] },
    });
  });

  it('a refused change writes no event', async () => {
    const rule = await newRule(t, { points: 2, maxPerMonth: 1 });
    const v = await t.newVillager(a.id);
    await record(cadreA, v.id, rule.id).expect(201);
    const before = await events().count();
    const refused = await record(cadreA, v.id, rule.id).expect(409);
    expect(refused.body.code).toBe('MONTHLY_CAP_REACHED');
    await record(cadreB, v.id, rule.id).expect(403);
    expect(await events().count()).toBe(before);
  });

  it('ID numbers appear only masked', async () => {
    const idNumber = withCheckChar('43010219800101123');
    const res = await t
      .http()
      .post('/api/villagers')
      .set(bearer(cadreA))
      .send({ name: '刘秀珍', idNumber, villageId: a.id })
      .expect(201);
    const list = await t
      .http()
      .get(`/api/audit?entityType=villager&entityId=${res.body.id}`)
      .set(bearer(cadreA))
      .expect(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].changes.idNumber[1]).toMatch(/^430102\*+\w{4}$/);
    expect(JSON.stringify(await events().find())).not.toContain(idNumber);
  });

  it('account changes: created, disabled, password reset — never a password or its hash', async () => {
    const created = await t
      .http()
      .post('/api/users')
      .set(bearer(admin))
      .send({
        username: `cadre_audit_${process.pid}`,
        password: 'First-Pass-1',
        role: 'cadre',
        villageId: a.id,
      })
      .expect(201);
    await t
      .http()
      .patch(`/api/users/${created.body.id}`)
      .set(bearer(admin))
      .send({ disabled: true, password: 'Second-Pass-2' })
      .expect(200);
    const trail = await events().find({
      where: { entityType: 'user', entityId: created.body.id },
      order: { id: 'ASC' },
    });
    expect(trail.map((e) => e.action)).toEqual(['user.create', 'user.update']);
    expect(trail[1].changes).toMatchObject({
      disabled: [false, true],
      password: [null, '（已更改）'],
    });
    const text = JSON.stringify(trail);
    expect(text).not.toMatch(/password-[12]|\$argon2|passwordHash/);
  });

  it('nobody can edit or delete an event', async () => {
    const sql = (q: string) => t.ds.query(q);
    await expect(sql(`UPDATE audit_events SET action = 'x'`)).rejects.toThrow();
    await expect(sql('DELETE FROM audit_events')).rejects.toThrow();
    expect(await events().count()).toBeGreaterThan(0);
  });
});

describe('GET /api/audit', () => {
  it('401 without a token; 403 for villagers and shopkeepers', async () => {
    await t.http().get('/api/audit').expect(401);
    const v = await t.newVillager(a.id);
    const villager = await t.tokenFor('villager', { villageId: a.id, villagerId: v.id });
    await t.http().get('/api/audit').set(bearer(villager)).expect(403);
    const shop = await t.tokenFor('shopkeeper', { storeId: (await t.newStore([a.id])).id });
    await t.http().get('/api/audit').set(bearer(shop)).expect(403);
  });

  it('a cadre reads their own village only; an admin the district, filtered', async () => {
    const rule = await newRule(t, { points: 1 });
    await record(cadreB, (await t.newVillager(b.id)).id, rule.id).expect(201);
    const mine = await t.http().get('/api/audit?pageSize=200').set(bearer(cadreA)).expect(200);
    expect(mine.body.items.length).toBeGreaterThan(0);
    expect(mine.body.items.every((e: AuditEvent) => e.villageId === a.id)).toBe(true);
    await t.http().get(`/api/audit?villageId=${b.id}`).set(bearer(cadreA)).expect(403);
    const ofB = await t
      .http()
      .get(`/api/audit?villageId=${b.id}&entityType=deed`)
      .set(bearer(admin))
      .expect(200);
    expect(ofB.body.total).toBe(1);
    // who acted, by name (the test's cadre has no name of its own: its username)
    const [event] = ofB.body.items as { actorId: number; actorName: string }[];
    const [actor] = await t.ds.query(`SELECT username FROM users WHERE id = ${event.actorId}`);
    expect(event.actorName).toBe(actor.username);
    const future = await t
      .http()
      .get('/api/audit?from=2999-01-01T00:00:00Z')
      .set(bearer(admin))
      .expect(200);
    expect(future.body.total).toBe(0);
  });

  it.each([['entityType=deeds'], ['from=yesterday'], ['actorId=0']])(
    'bad filter %s → 400',
    async (query) => {
      await t.http().get(`/api/audit?${query}`).set(bearer(admin)).expect(400);
    },
  );
});

describe('a villager sees the trail behind every entry of their points', () => {
  it('each entry carries its deed’s events', async () => {
    const rule = await newRule(t, { points: 6 });
    const v = await t.newVillager(a.id);
    const token = await t.tokenFor('villager', { villageId: a.id, villagerId: v.id });
    const report = await t
      .http()
      .post('/api/deeds')
      .set(bearer(token))
      .send({ ruleId: rule.id, occurredOn: today(), description: '自报：修路' })
      .expect(201);
    await t.http().post(`/api/deeds/${report.body.id}/approve`).set(bearer(cadreA)).expect(200);
    const points = await t
      .http()
      .get(`/api/villagers/${v.id}/points`)
      .set(bearer(token))
      .expect(200);
    const [entry] = points.body.entries.items;
    expect(entry.trail.map((e: AuditEvent) => [e.action, e.role])).toEqual([
      ['deed.report', 'villager'],
      ['deed.approve', 'cadre'],
    ]);
  });
});

describe('the points answer is the ledger with each entry’s deed and trail, as stored', () => {
  it('every kind of entry, paged, for the cadre and the villager alike', async () => {
    const v = await t.newVillager(a.id);
    const villagerToken = await t.tokenFor('villager', { villageId: a.id, villagerId: v.id });
    const award = await newRule(t, { points: 7 });
    const recorded = await record(cadreA, v.id, award.id).expect(201);
    await t
      .http()
      .post(`/api/deeds/${recorded.body.id}/revoke`)
      .set(bearer(cadreA))
      .send({ reason: '登记错了人' })
      .expect(200);
    const reported = await t
      .http()
      .post('/api/deeds')
      .set(bearer(villagerToken))
      .send({ ruleId: award.id, occurredOn: today(), description: '自报：帮邻居收稻谷' })
      .expect(201);
    await t.http().post(`/api/deeds/${reported.body.id}/approve`).set(bearer(cadreA)).expect(200);
    const { store, shop, goods } = await newShop(t, [a.id], {
      name: '肥皂',
      pointsPrice: 3,
      stock: 5,
    });
    await t
      .http()
      .post('/api/redemptions')
      .set(bearer(shop))
      .set('Idempotency-Key', `trail-${v.id}`)
      .send({
        villagerId: v.id,
        storeId: store.id,
        items: [{ goodsId: goods.id, quantity: 1 }],
      })
      .expect(201);

    // What the answer must hold, read from the tables through TypeORM.
    const entries = await t.ds
      .getRepository(LedgerEntry)
      .find({ where: { villagerId: v.id }, order: { id: 'DESC' } });
    expect(entries.map((e) => e.kind)).toEqual(['redemption', 'deed', 'reversal', 'deed']);
    // an account is named by its villager when it has no name of its own (display-name.ts)
    const villagerNames = new Map(
      (await t.ds.getRepository(Villager).find()).map((x) => [x.id, x.name]),
    );
    const users = new Map(
      (await t.ds.getRepository(User).find()).map((u) => [
        u.id,
        (u.villagerId && villagerNames.get(u.villagerId)) || u.username,
      ]),
    );
    const expected = await Promise.all(
      entries.map(async (e) => ({
        ...e,
        deed: e.deedId === null ? null : await t.ds.getRepository(Deed).findOneBy({ id: e.deedId }),
        trail: (
          await events().find({
            where:
              e.deedId !== null
                ? { entityType: 'deed', entityId: e.deedId }
                : { entityType: 'redemption', entityId: e.redemptionId! },
            order: { id: 'ASC' },
          })
        ).map((ev) => ({ ...ev, actorName: users.get(ev.actorId!) ?? null })),
      })),
    );
    const json = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
    expect(expected[0].trail.map((ev) => ev.action)).toEqual(['redemption.redeem']);
    expect(expected[2].trail.map((ev) => ev.action)).toEqual(['deed.record', 'deed.revoke']);
    expect(expected[2].trail[1].reason).toBe('登记错了人');

    for (const token of [cadreA, villagerToken, admin]) {
      const pages = [];
      for (const page of [1, 2, 3]) {
        const res = await t
          .http()
          .get(`/api/villagers/${v.id}/points?page=${page}&pageSize=2`)
          .set(bearer(token))
          .expect(200);
        expect(res.body).toMatchObject({ villagerId: v.id, balance: 4 });
        expect(res.body.entries).toMatchObject({ total: 4, page, pageSize: 2 });
        pages.push(...(res.body.entries.items as unknown[]));
      }
      expect(pages).toEqual(json(expected));
    }
    // another village's cadre, another villager: as if there were no such villager
    const neighbour = await t.newVillager(a.id);
    const other = await t.tokenFor('villager', { villageId: a.id, villagerId: neighbour.id });
    for (const token of [cadreB, other]) {
      await t.http().get(`/api/villagers/${v.id}/points`).set(bearer(token)).expect(404);
    }
  });
});
