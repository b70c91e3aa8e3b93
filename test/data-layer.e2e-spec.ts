import { Client } from 'pg';
import { QueryFailedError } from 'typeorm';
import { ctxOf } from '../src/common/request-context';
import { todayIn } from '../src/common/time';
import { Deed } from '../src/deeds/deed.entity';
import { DeedsService } from '../src/deeds/deeds.service';
import { Dialect } from '../src/db/dialect';
import { Tx } from '../src/db/transaction';
import { LedgerEntry } from '../src/ledger/ledger-entry.entity';
import { LedgerService } from '../src/ledger/ledger.service';
import { Goods } from '../src/store/store.entity';
import { StoresService } from '../src/store/stores.service';
import type { Village } from '../src/villages/village.entity';
import { bearer, createTestApp, isPostgres, TestApp } from './app';
import { ADMIN_CALLER, expectLedgerConsistent, grantPoints, newRule, newShop } from './factories';

let t: TestApp;
let a: Village;
let cadreA: string;
let cadreA2: string;
let admin: string;
let cadreCaller: typeof ADMIN_CALLER;
const today = () => todayIn('Asia/Shanghai');

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
  a = await t.newVillage();
  cadreA = await t.tokenFor('cadre', { villageId: a.id });
  cadreA2 = await t.tokenFor('cadre', { villageId: a.id });
  cadreCaller = { ...ADMIN_CALLER, id: 1, role: 'cadre', villageId: a.id };
});
afterAll(() => t.close());

const deedBody = (villagerId: number, ruleId: number, o: object = {}) => ({
  villagerId,
  ruleId,
  occurredOn: today(),
  description: '打扫村道',
  ...o,
});
const recordDeed = (token: string, body: object, key?: string) => {
  const req = t.http().post('/api/deeds').set(bearer(token));
  if (key !== undefined) req.set('Idempotency-Key', key);
  return req.send(body);
};
const entriesOf = (villagerId: number) => t.ds.getRepository(LedgerEntry).countBy({ villagerId });

describe('deeds are idempotent like redemptions', () => {
  it('a retry with the same key and body returns the first deed and awards once', async () => {
    const rule = await newRule(t, { points: 4 });
    const v = await t.newVillager(a.id);
    const first = await recordDeed(cadreA, deedBody(v.id, rule.id), 'form-1').expect(201);
    expect(first.body).toMatchObject({ status: 'approved', balance: 4, idempotencyKey: 'form-1' });
    expect(first.body).not.toHaveProperty('requestHash');
    const retry = await recordDeed(cadreA, deedBody(v.id, rule.id), 'form-1').expect(201);
    expect(retry.body).toMatchObject({ id: first.body.id, balance: 4 });
    expect(retry.body).not.toHaveProperty('requestHash');
    expect(await entriesOf(v.id)).toBe(1);
    expect(await expectLedgerConsistent(t, v.id)).toBe(4);
  });

  it('the same key with another body is 409 IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
    const rule = await newRule(t, { points: 4 });
    const v = await t.newVillager(a.id);
    await recordDeed(cadreA, deedBody(v.id, rule.id), 'form-2').expect(201);
    const other = deedBody(v.id, rule.id, { description: '另一件事' });
    const res = await recordDeed(cadreA, other, 'form-2').expect(409);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await t.ds.getRepository(Deed).countBy({ villagerId: v.id })).toBe(1);
    expect(await entriesOf(v.id)).toBe(1);
  });

  it('keys belong to the one who records: another cadre may use the same key', async () => {
    const rule = await newRule(t, { points: 2 });
    const v = await t.newVillager(a.id);
    const one = await recordDeed(cadreA, deedBody(v.id, rule.id), 'shared-key').expect(201);
    const two = await recordDeed(cadreA2, deedBody(v.id, rule.id), 'shared-key').expect(201);
    expect(two.body.id).not.toBe(one.body.id);
    expect(await expectLedgerConsistent(t, v.id)).toBe(4);
  });

  it('a self-report with a key: a retry returns the pending deed', async () => {
    const rule = await newRule(t, { points: 3 });
    const v = await t.newVillager(a.id);
    const token = await t.tokenFor('villager', { villageId: a.id, villagerId: v.id });
    const body = { ruleId: rule.id, occurredOn: today(), description: '自报：扶老人过河' };
    const first = await recordDeed(token, body, 'self-1').expect(201);
    const retry = await recordDeed(token, body, 'self-1').expect(201);
    expect(retry.body).toMatchObject({ id: first.body.id, status: 'pending', balance: 0 });
    expect(await t.ds.getRepository(Deed).countBy({ villagerId: v.id })).toBe(1);
  });

  it('an invalid key is 400 and records nothing', async () => {
    const rule = await newRule(t);
    const v = await t.newVillager(a.id);
    const res = await recordDeed(cadreA, deedBody(v.id, rule.id), 'has space').expect(400);
    expect(JSON.stringify(res.body.message)).toContain('Idempotency-Key');
    expect(await entriesOf(v.id)).toBe(0);
  });

  it('30 retries arriving at once record one deed and one award', async () => {
    const rule = await newRule(t, { points: 6 });
    const v = await t.newVillager(a.id);
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => recordDeed(cadreA, deedBody(v.id, rule.id), 'burst')),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(30).fill(201));
    expect(new Set(answers.map((r) => r.body.id)).size).toBe(1);
    expect(await t.ds.getRepository(Deed).countBy({ villagerId: v.id })).toBe(1);
    expect(await expectLedgerConsistent(t, v.id)).toBe(6);
  });
});

describe('one points account', () => {
  it('revoking takes back what the deed awarded, not the rule’s points today', async () => {
    const rule = await newRule(t, { points: 5, villageId: a.id });
    const v = await t.newVillager(a.id);
    const deed = await recordDeed(cadreA, deedBody(v.id, rule.id)).expect(201);
    await t
      .http()
      .patch(`/api/rules/${rule.id}`)
      .set(bearer(cadreA))
      .send({ points: 9 })
      .expect(200);
    const revoked = await t
      .http()
      .post(`/api/deeds/${deed.body.id}/revoke`)
      .set(bearer(cadreA))
      .send({ reason: '记错了人' })
      .expect(200);
    expect(revoked.body).toMatchObject({ status: 'revoked', balance: 0 });
    expect(await expectLedgerConsistent(t, v.id)).toBe(0);
  });

  it('revoking points already spent leaves a negative balance and says so', async () => {
    const rule = await newRule(t, { points: 10 });
    const v = await t.newVillager(a.id);
    const deed = await recordDeed(cadreA, deedBody(v.id, rule.id)).expect(201);
    await t.app
      .get(Tx)
      .run((em) =>
        t.app
          .get(LedgerService)
          .debit(ctxOf(em, ADMIN_CALLER), { villagerId: v.id, kind: 'adjustment' }, 8),
      );
    const revoked = await t
      .http()
      .post(`/api/deeds/${deed.body.id}/revoke`)
      .set(bearer(cadreA))
      .send({ reason: '查无此事' })
      .expect(200);
    expect(revoked.body.balance).toBe(-8);
    expect(await expectLedgerConsistent(t, v.id)).toBe(-8);
  });

  it('debit refuses more than the balance, however large, with 409 and no entry', async () => {
    const v = await t.newVillager(a.id);
    await grantPoints(t.app.get(Tx), t.app.get(LedgerService), v.id, 50);
    for (const amount of [51, 2_147_483_647, 2 ** 40]) {
      await expect(
        t.app
          .get(Tx)
          .run((em) =>
            t.app
              .get(LedgerService)
              .debit(ctxOf(em, ADMIN_CALLER), { villagerId: v.id, kind: 'adjustment' }, amount),
          ),
      ).rejects.toMatchObject({ response: { code: 'INSUFFICIENT_POINTS' } });
    }
    expect(await expectLedgerConsistent(t, v.id)).toBe(50);
  });

  it('a credit that would leave the integer column is 409 BALANCE_LIMIT, never an overflow', async () => {
    const v = await t.newVillager(a.id);
    const credit = (delta: number) =>
      t.app
        .get(Tx)
        .run((em) =>
          t.app
            .get(LedgerService)
            .credit(ctxOf(em, ADMIN_CALLER), { villagerId: v.id, kind: 'adjustment' }, delta),
        );
    await credit(2_147_483_000);
    await expect(credit(1000)).rejects.toMatchObject({ response: { code: 'BALANCE_LIMIT' } });
    expect(await expectLedgerConsistent(t, v.id)).toBe(2_147_483_000);
  });
});

describe('approving checks the villager as it stands now', () => {
  it('a self-report of a villager who has since moved away is 409 VILLAGER_NOT_ACTIVE', async () => {
    const rule = await newRule(t, { points: 3 });
    const v = await t.newVillager(a.id);
    const token = await t.tokenFor('villager', { villageId: a.id, villagerId: v.id });
    const report = await t
      .http()
      .post('/api/deeds')
      .set(bearer(token))
      .send({ ruleId: rule.id, occurredOn: today(), description: '自报' })
      .expect(201);
    await t.ds.query(`UPDATE villagers SET status = 'moved' WHERE id = ${v.id}`);
    const res = await t
      .http()
      .post(`/api/deeds/${report.body.id}/approve`)
      .set(bearer(cadreA))
      .expect(409);
    expect(res.body.code).toBe('VILLAGER_NOT_ACTIVE');
    expect((await t.ds.getRepository(Deed).findOneByOrFail({ id: report.body.id })).status).toBe(
      'pending',
    );
    expect(await expectLedgerConsistent(t, v.id)).toBe(0);
  });
});

describe('operations compose in one transaction', () => {
  it('two records in one transaction: the second refused, the first is undone too', async () => {
    const rule = await newRule(t, { points: 3, maxPerMonth: 1 });
    const v = await t.newVillager(a.id);
    const deeds = t.app.get(DeedsService);
    await expect(
      t.app.get(Tx).run(async (em) => {
        const ctx = ctxOf(em, cadreCaller);
        await deeds.createIn(ctx, deedBody(v.id, rule.id));
        await deeds.createIn(ctx, deedBody(v.id, rule.id)); // past the monthly cap
      }),
    ).rejects.toMatchObject({ response: { code: 'MONTHLY_CAP_REACHED' } });
    expect(await t.ds.getRepository(Deed).countBy({ villagerId: v.id })).toBe(0);
    expect(await expectLedgerConsistent(t, v.id)).toBe(0);
  });

  it('record then revoke in one transaction: both land', async () => {
    const rule = await newRule(t, { points: 3 });
    const v = await t.newVillager(a.id);
    const deeds = t.app.get(DeedsService);
    const revoked = await t.app.get(Tx).run(async (em) => {
      const ctx = ctxOf(em, cadreCaller);
      const deed = await deeds.createIn(ctx, deedBody(v.id, rule.id));
      return deeds.revokeIn(ctx, deed.id, '当场更正');
    });
    expect(revoked).toMatchObject({ status: 'revoked', balance: 0 });
    expect(await entriesOf(v.id)).toBe(2);
  });
});

describe('invariants in the schema', () => {
  /** Each statement must be refused by the database itself. */
  async function refused(sql: string, params: unknown[] = []): Promise<void> {
    const q = isPostgres ? sql : sql.replace(/\$\d+/g, '?');
    await expect(t.ds.query(q, params)).rejects.toThrow();
  }

  it('CHECK constraints: points, prices, stock, quantities', async () => {
    const rule = await newRule(t, { points: 5 });
    const { store, shop, goods } = await newShop(t, [a.id], {
      name: '肥皂',
      pointsPrice: 5,
      stock: 3,
    });
    await refused('UPDATE rules SET points = 0 WHERE id = $1', [rule.id]);
    await refused('UPDATE rules SET points = 1001 WHERE id = $1', [rule.id]);
    await refused('UPDATE rules SET points = -1001 WHERE id = $1', [rule.id]);
    await refused('UPDATE goods SET stock = -1 WHERE id = $1', [goods.id]);
    await refused('UPDATE goods SET points_price = 0 WHERE id = $1', [goods.id]);
    const v = await t.newVillager(a.id);
    await grantPoints(t.app.get(Tx), t.app.get(LedgerService), v.id, 100);
    const r = await t
      .http()
      .post('/api/redemptions')
      .set(bearer(shop))
      .send({
        villagerId: v.id,
        storeId: store.id,
        items: [{ goodsId: goods.id, quantity: 1 }],
      })
      .expect(201);
    await refused('UPDATE redemption_items SET quantity = 0 WHERE redemption_id = $1', [r.body.id]);
    await refused('UPDATE redemptions SET total = 0 WHERE id = $1', [r.body.id]);
    expect((await t.ds.getRepository(Goods).findOneByOrFail({ id: goods.id })).stock).toBe(2);
  });

  it('a refused hot statement reaches the caller as a QueryFailedError with the database’s code', async () => {
    // Dialect runs these as prepared statements on PostgreSQL: the 409 for a unique value
    // (ErrorFilter) and the retry of a deadlock (Tx) read the driver's code from this error
    const dialect = t.app.get(Dialect);
    const stock = (await newShop(t, [a.id], { name: '香皂', pointsPrice: 5, stock: 1 })).goods;
    const update = t.app
      .get(Tx)
      .run((em) =>
        dialect.returning(em, 'UPDATE goods SET stock = $1 WHERE id = $2 RETURNING id', [
          -1,
          stock.id,
        ]),
      );
    await expect(update).rejects.toBeInstanceOf(QueryFailedError);
    await expect(update).rejects.toMatchObject({
      driverError: { code: isPostgres ? '23514' : 'SQLITE_CONSTRAINT_CHECK' },
    });
    const taken = await t.newVillage();
    const insert = t.app
      .get(Tx)
      .run((em) =>
        dialect.returning(
          em,
          'INSERT INTO villages (code, name, town) VALUES ($1, $2, $3) RETURNING id',
          [taken.code, '重号村', '城关镇'],
        ),
      );
    await expect(insert).rejects.toMatchObject({
      driverError: { code: isPostgres ? '23505' : 'SQLITE_CONSTRAINT_UNIQUE' },
    });
    expect((await t.ds.getRepository(Goods).findOneByOrFail({ id: stock.id })).stock).toBe(1);
  });

  it('stock movements are append-only', async () => {
    await newShop(t, [a.id], {
      name: '毛巾',
      pointsPrice: 5,
      stock: 3,
    });
    await refused('UPDATE stock_movements SET delta = 100');
    await refused('DELETE FROM stock_movements');
  });

  it('a published evaluation is frozen; a draft is not', async () => {
    const month = today().slice(0, 7);
    const village = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: village.id });
    const path = `/api/villages/${village.id}/evaluations/${month}`;
    await t.http().post(path).set(bearer(cadre)).expect(201);
    await t.ds.query(
      `UPDATE evaluations SET computed_at = computed_at WHERE village_id = ${village.id}`,
    );
    await t.http().post(`${path}/publish`).set(bearer(cadre)).expect(201);
    await refused(`UPDATE evaluations SET result = '{}' WHERE village_id = ${village.id}`);
    await refused(`DELETE FROM evaluations WHERE village_id = ${village.id}`);
    await t.http().get(path).set(bearer(admin)).expect(200);
  });
});

describe('redemption re-checks the goods under its conditional update', () => {
  async function shopScene(price = 10) {
    const { store, shop, goods } = await newShop(t, [a.id], {
      name: '食用油',
      pointsPrice: price,
      stock: 5,
    });
    const v = await t.newVillager(a.id);
    await grantPoints(t.app.get(Tx), t.app.get(LedgerService), v.id, 100);
    return { store, shop, goodsId: goods.id, v };
  }

  it.each([
    ['a changed price', { pointsPrice: 12 }, 'PRICE_CHANGED'],
    ['goods taken off sale', { active: false }, 'GOODS_INACTIVE'],
  ])('a sale at a price the goods no longer has: %s → 409', async (_, change, code) => {
    const { goodsId } = await shopScene();
    await t.ds.getRepository(Goods).update({ id: goodsId }, change);
    const stores = t.app.get(StoresService);
    await expect(
      t.app
        .get(Tx)
        .run((em) =>
          stores.moveStock(ctxOf(em, ADMIN_CALLER), [
            { goodsId, delta: -1, reason: 'redemption', actorId: 1, soldAt: 10 },
          ]),
        ),
    ).rejects.toMatchObject({ response: { code } });
    expect((await t.ds.getRepository(Goods).findOneByOrFail({ id: goodsId })).stock).toBe(5);
  });

  // Only PostgreSQL runs two transactions at once: the price changes while the redemption waits
  // for the goods row, after it read the old price.
  (isPostgres ? it : it.skip)(
    'a price changed while the redemption waits for the goods row: 409, nothing charged',
    async () => {
      const { store, shop, goodsId, v } = await shopScene();
      const other = new Client({
        connectionString: t.config.database.type === 'postgres' ? t.config.database.url : '',
      });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query('SELECT id FROM goods WHERE id = $1 FOR UPDATE', [goodsId]);
        const redemption = t
          .http()
          .post('/api/redemptions')
          .set(bearer(shop))
          .send({ villagerId: v.id, storeId: store.id, items: [{ goodsId, quantity: 1 }] })
          .then((r) => r);
        await waitForLockWaiter(other);
        await other.query('UPDATE goods SET points_price = 20 WHERE id = $1', [goodsId]);
        await other.query('COMMIT');
        const res = await redemption;
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('PRICE_CHANGED');
        expect(await expectLedgerConsistent(t, v.id)).toBe(100);
      } finally {
        await other.end();
      }
    },
  );
});

/** Resolves once another session of this database waits for a row lock. */
async function waitForLockWaiter(c: Client): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await c.query(
      `SELECT 1 FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    );
    if (rows.length) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('no session started waiting for the lock');
}

describe('request ids', () => {
  it('every answer carries an X-Request-Id: the client’s if sane, else a new one', async () => {
    const own = await t.http().get('/api/me').set(bearer(admin)).set('X-Request-Id', 'till-7.42');
    expect(own.headers['x-request-id']).toBe('till-7.42');
    const bad = await t.http().get('/api/me').set(bearer(admin)).set('X-Request-Id', 'a b');
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const none = await t.http().get('/api/me').set(bearer(admin));
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(none.headers['x-request-id']).not.toBe(bad.headers['x-request-id']);
    // refusals too, by the guard or the router, before any handler runs
    const refused = await t.http().get('/api/me').set('X-Request-Id', 'till-7.43').expect(401);
    expect(refused.headers['x-request-id']).toBe('till-7.43');
    const unknown = await t.http().get('/api/nowhere').set('X-Request-Id', 'till-7.44').expect(404);
    expect(unknown.headers['x-request-id']).toBe('till-7.44');
  });
});
