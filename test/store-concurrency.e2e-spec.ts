import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { DataSource } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { AuditService } from '../src/audit/audit.service';
import { loadConfig } from '../src/config';
import { dataSourceOptions } from '../src/db/data-source';
import { Dialect } from '../src/db/dialect';
import { EntityRows } from '../src/db/entity-rows';
import { Tx } from '../src/db/transaction';
import { LedgerEntry } from '../src/ledger/ledger-entry.entity';
import { LedgerRepository } from '../src/ledger/ledger.repository';
import { LedgerService } from '../src/ledger/ledger.service';
import { PointsHistoryQuery } from '../src/ledger/points-history.query';
import { ExpiryQuery } from '../src/ledger/expiry';
import { Redemption } from '../src/store/redemption.entity';
import { Goods, StockMovement } from '../src/store/store.entity';
import { Villager } from '../src/villagers/villager.entity';
import { VillagersService } from '../src/villagers/villagers.service';
import { ADMIN_PASSWORD, createTestApp, freshDatabaseUrl, isPostgres, TestApp } from './app';
import { call, ok, startInstances, type Answer, type Instances } from './instances';
import { grantPoints } from './factories';

/**
 * The store's guarantees under load, proved over real HTTP with many requests in flight at once:
 * first against one in-process service (SQLite or PostgreSQL), then — PostgreSQL only — against
 * three separate service processes sharing one database, with the requests spread over them.
 */

interface Ctx {
  /** Base URLs of the service(s); requests are spread over them round-robin. */
  urls: string[];
  ds: DataSource;
  adminToken: string;
  villageId: number;
  storeId: number;
  /** The store's shopkeeper. */
  shop: string;
  /** Points through the real LedgerService, so balance = sum of entries holds from the start. */
  grant(villagerId: number, points: number): Promise<void>;
}

const figures: string[] = [];
afterAll(() => {
  if (figures.length)
    console.log(
      `store concurrency (${isPostgres ? 'PostgreSQL' : 'SQLite'}):\n  ${figures.join('\n  ')}`,
    );
});

let seq = 0;

/**
 * A village, a store serving it and a logged-in shopkeeper, through the API; once per service
 * set-up (creating and logging in an account costs two bcrypt rounds).
 */
async function openStore(url: string, adminToken: string) {
  const n = `${process.pid}_${++seq}`;
  const village = await ok(
    call(url, 'POST', '/villages', adminToken, { code: `C${n}`, name: '并发村', town: '测试镇' }),
    201,
  );
  const store = await ok(
    call(url, 'POST', '/stores', adminToken, { name: '并发超市', villageIds: [village.id] }),
    201,
  );
  const username = `shop${n}`;
  const account = {
    username,
    password: 'Shop-Pass-1',
    mustChangePassword: false,
    role: 'shopkeeper',
    storeId: store.id,
  };
  await ok(call(url, 'POST', '/users', adminToken, account), 201);
  const login = await ok(
    call(url, 'POST', '/auth/login', null, { username, password: 'Shop-Pass-1' }),
    200,
  );
  return { villageId: village.id!, storeId: store.id!, shop: login.accessToken as string };
}

/** Fresh villagers with points and fresh goods at the ctx's store, through the API. */
async function seed(
  ctx: Ctx,
  o: { villagers: number; points: number; price: number; stock: number },
) {
  const url = ctx.urls[0];
  const villagerIds: number[] = [];
  for (let i = 0; i < o.villagers; i++) {
    const v = await ok(
      call(url, 'POST', '/villagers', ctx.adminToken, {
        villageId: ctx.villageId,
        name: `村民${i}`,
      }),
      201,
    );
    await ctx.grant(v.id!, o.points);
    villagerIds.push(v.id!);
  }
  const goods = await ok(
    call(url, 'POST', `/stores/${ctx.storeId}/goods`, ctx.adminToken, {
      name: '洗衣粉',
      pointsPrice: o.price,
      stock: o.stock,
    }),
    201,
  );
  return { villagerIds, storeId: ctx.storeId, goodsId: goods.id!, shop: ctx.shop };
}

/** Fires all requests at once, spread over the instances; returns the answers and the time. */
async function burst(
  ctx: Ctx,
  count: number,
  request: (url: string, i: number) => Promise<Answer>,
) {
  const start = performance.now();
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) => request(ctx.urls[i % ctx.urls.length], i)),
  );
  return { answers, ms: Math.round(performance.now() - start) };
}

const statusCounts = (answers: Answer[]) =>
  answers.reduce<Record<string, number>>((acc, a) => {
    const k = a.status === 409 ? `409 ${a.body.code}` : String(a.status);
    acc[k] = (acc[k] ?? 0) + 1;
    return acc;
  }, {});

async function expectLedgerConsistent(ds: DataSource, villagerId: number) {
  const villager = await ds.getRepository(Villager).findOneByOrFail({ id: villagerId });
  const entries = await ds.getRepository(LedgerEntry).findBy({ villagerId });
  expect(villager.balance).toBeGreaterThanOrEqual(0);
  expect(entries.reduce((s, e) => s + e.delta, 0)).toBe(villager.balance);
  // every balance the ledger ever recorded for this villager
  for (const e of entries) expect(e.balanceAfter).toBeGreaterThanOrEqual(0);
  return villager.balance;
}

async function expectStockConsistent(ds: DataSource, goodsId: number) {
  const goods = await ds.getRepository(Goods).findOneByOrFail({ id: goodsId });
  const moved = Number((await ds.getRepository(StockMovement).sum('delta', { goodsId })) ?? 0);
  expect(goods.stock).toBeGreaterThanOrEqual(0);
  expect(moved).toBe(goods.stock);
  return goods.stock;
}

/** The proofs, the same for one in-process service and for several processes. */
function proofs(where: string, ctx: () => Ctx) {
  it('200 concurrent redemptions against one balance: exactly ⌊balance / price⌋ succeed, never overdrawn, no 5xx', async () => {
    const c = ctx();
    const balance = 1000;
    const price = 7;
    const s = await seed(c, { villagers: 1, points: balance, price, stock: 1000 });
    const [villagerId] = s.villagerIds;
    const { answers, ms } = await burst(c, 200, (url) =>
      call(url, 'POST', '/redemptions', s.shop, {
        villagerId,
        storeId: s.storeId,
        items: [{ goodsId: s.goodsId, quantity: 1 }],
      }),
    );
    const expected = Math.floor(balance / price); // 142
    expect(statusCounts(answers)).toEqual({
      '201': expected,
      '409 INSUFFICIENT_POINTS': 200 - expected,
    });
    expect(await expectLedgerConsistent(c.ds, villagerId)).toBe(balance - expected * price);
    expect(await expectStockConsistent(c.ds, s.goodsId)).toBe(1000 - expected);
    expect(await c.ds.getRepository(Redemption).countBy({ villagerId })).toBe(expected);
    figures.push(
      `${where}: 200 redemptions on one balance of ${balance} at ${price}: ${expected} succeeded, ${200 - expected} refused, ${ms} ms`,
    );
  });

  it('200 concurrent redemptions against one stock of 50: exactly 50 succeed, stock never below zero', async () => {
    const c = ctx();
    const s = await seed(c, { villagers: 4, points: 10_000, price: 3, stock: 50 });
    const { answers, ms } = await burst(c, 200, (url, i) =>
      call(url, 'POST', '/redemptions', s.shop, {
        villagerId: s.villagerIds[i % s.villagerIds.length],
        storeId: s.storeId,
        items: [{ goodsId: s.goodsId, quantity: 1 }],
      }),
    );
    expect(statusCounts(answers)).toEqual({ '201': 50, '409 OUT_OF_STOCK': 150 });
    expect(await expectStockConsistent(c.ds, s.goodsId)).toBe(0);
    let spent = 0;
    for (const id of s.villagerIds) spent += 10_000 - (await expectLedgerConsistent(c.ds, id));
    expect(spent).toBe(50 * 3);
    figures.push(
      `${where}: 200 redemptions on a stock of 50 (4 villagers): 50 succeeded, 150 refused, ${ms} ms`,
    );
  });

  it('50 concurrent retries with one Idempotency-Key: one debit, every answer the same redemption', async () => {
    const c = ctx();
    const s = await seed(c, { villagers: 1, points: 500, price: 40, stock: 100 });
    const [villagerId] = s.villagerIds;
    const body = { villagerId, storeId: s.storeId, items: [{ goodsId: s.goodsId, quantity: 2 }] };
    const key = `retry-${s.goodsId}`;
    const { answers, ms } = await burst(c, 50, (url) =>
      call(url, 'POST', '/redemptions', s.shop, body, key),
    );
    expect(statusCounts(answers)).toEqual({ '201': 50 });
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(await c.ds.getRepository(Redemption).countBy({ villagerId })).toBe(1);
    expect(await c.ds.getRepository(LedgerEntry).countBy({ villagerId, kind: 'redemption' })).toBe(
      1,
    );
    expect(await expectLedgerConsistent(c.ds, villagerId)).toBe(500 - 80);
    expect(await expectStockConsistent(c.ds, s.goodsId)).toBe(98);

    const reused = await call(
      c.urls[c.urls.length - 1],
      'POST',
      '/redemptions',
      s.shop,
      { ...body, items: [{ goodsId: s.goodsId, quantity: 1 }] },
      key,
    );
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await expectLedgerConsistent(c.ds, villagerId)).toBe(420);
    figures.push(
      `${where}: 50 retries of one key: 1 redemption (id ${[...ids][0]}), 1 debit, ${ms} ms`,
    );
  });

  it('one key raced with two different bodies: one body wins, the other is refused, one debit', async () => {
    const c = ctx();
    const s = await seed(c, { villagers: 1, points: 500, price: 10, stock: 100 });
    const [villagerId] = s.villagerIds;
    const key = `race-${s.goodsId}`;
    const { answers } = await burst(c, 40, (url, i) =>
      call(
        url,
        'POST',
        '/redemptions',
        s.shop,
        { villagerId, storeId: s.storeId, items: [{ goodsId: s.goodsId, quantity: 1 + (i % 2) }] },
        key,
      ),
    );
    const won = answers.filter((a) => a.status === 201);
    const lost = answers.filter((a) => a.status !== 201);
    expect(won).toHaveLength(20);
    expect(new Set(won.map((a) => a.body.id)).size).toBe(1);
    expect(statusCounts(lost)).toEqual({ '409 IDEMPOTENCY_KEY_REUSED': 20 });
    const quantity = (won[0].body.items as { quantity: number }[])[0].quantity;
    expect(await expectLedgerConsistent(c.ds, villagerId)).toBe(500 - 10 * quantity);
    expect(await expectStockConsistent(c.ds, s.goodsId)).toBe(100 - quantity);
  });

  it('20 concurrent cancels of one redemption: one refund, one restock, the rest 409', async () => {
    const c = ctx();
    const s = await seed(c, { villagers: 1, points: 100, price: 25, stock: 10 });
    const [villagerId] = s.villagerIds;
    const r = await ok(
      call(c.urls[0], 'POST', '/redemptions', s.shop, {
        villagerId,
        storeId: s.storeId,
        items: [{ goodsId: s.goodsId, quantity: 3 }],
      }),
      201,
    );
    const { answers } = await burst(c, 20, (url) =>
      call(url, 'POST', `/redemptions/${r.id}/cancel`, s.shop, { reason: '重复点击' }),
    );
    expect(statusCounts(answers)).toEqual({ '200': 1, '409 ALREADY_CANCELLED': 19 });
    expect(await expectLedgerConsistent(c.ds, villagerId)).toBe(100);
    expect(await expectStockConsistent(c.ds, s.goodsId)).toBe(10);
  });
}

describe('one service', () => {
  let t: TestApp;
  let c: Ctx;
  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = (t.app.getHttpServer() as Server).address() as AddressInfo;
    const ledger = t.app.get(LedgerService);
    const tx = t.app.get(Tx);
    const url = `http://127.0.0.1:${port}`;
    const adminToken = await t.adminToken();
    c = {
      urls: [url],
      ds: t.ds,
      adminToken,
      ...(await openStore(url, adminToken)),
      grant: async (villagerId, points) => {
        await grantPoints(tx, ledger, villagerId, points);
      },
    };
  });
  afterAll(() => t.close());

  proofs('one service', () => c);
});

// Several processes on one SQLite file are not the deployment model (SQLite serves one instance;
// docs/operations.md: "several instances may serve one PostgreSQL database"), so this runs on
// PostgreSQL only. It needs the build (npm run test:pg runs nest build first).
(isPostgres ? describe : describe.skip)(
  'three service processes on one PostgreSQL database',
  () => {
    let instances: Instances | undefined;
    let ds: DataSource | undefined;
    let drop: (() => Promise<void>) | undefined;
    let c: Ctx;

    beforeAll(async () => {
      const db = await freshDatabaseUrl();
      drop = db.drop;
      const start = performance.now();
      instances = await startInstances(3, {
        DATABASE_URL: db.url,
        JWT_SECRET: 'multi-instance-secret-multi-instance-secret',
        ADMIN_PASSWORD,
      });
      figures.push(
        `3 processes: started and migrated in ${Math.round(performance.now() - start)} ms`,
      );
      // The instances applied the migrations; this connection only reads and seeds points.
      ds = await new DataSource(dataSourceOptions({ type: 'postgres', url: db.url })).initialize();
      const tx = new Tx(ds);
      const dialect = new Dialect(ds);
      const rows = new EntityRows(dialect);
      const audit = new AuditService(ds.getRepository(AuditEvent), rows);
      const villagers = new VillagersService(
        ds.getRepository(Villager),
        tx,
        audit,
        loadConfig({}),
        rows,
        dialect,
      );
      const ledger = new LedgerService(
        villagers,
        new LedgerRepository(dialect, rows),
        new PointsHistoryQuery(dialect, rows, ds),
        new ExpiryQuery(loadConfig({})),
        tx,
      );
      const login = await ok(
        call(instances.urls[0], 'POST', '/auth/login', null, {
          username: 'admin',
          password: ADMIN_PASSWORD,
        }),
        200,
      );
      const adminToken = login.accessToken as string;
      c = {
        urls: instances.urls,
        ds,
        adminToken,
        ...(await openStore(instances.urls[0], adminToken)),
        grant: async (villagerId, points) => {
          await grantPoints(tx, ledger, villagerId, points);
        },
      };
    }, 60_000);

    afterAll(async () => {
      await ds?.destroy();
      await instances?.stop();
      await drop?.();
    });

    proofs('3 processes', () => c);

    it('no instance logged an error', () => {
      expect(instances!.output()).not.toMatch(/\bERROR\b|query failed|Internal server error/i);
    });
  },
);
