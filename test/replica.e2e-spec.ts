import { Client } from 'pg';
import { todayIn } from '../src/common/time';
import { READ_AFTER_HEADER } from '../src/db/replica';
import { bearer, createTestApp, type TestApp } from './app';
import { newRule } from './factories';

/**
 * The read replica (DATABASE_READ_URL; src/db/replica.ts) against a real primary and streaming
 * replica, which `.ci/pg-replica start` runs on ports 5433 and 5434: histories are read on the
 * replica, and a client's own write is read back from the primary until the replica has it.
 * The replica's replay is paused to make it visibly behind. Runs when TEST_PRIMARY_URL and
 * TEST_REPLICA_URL name the two servers (as .ci/run sets them).
 */
const primaryUrl = process.env.TEST_PRIMARY_URL;
const replicaUrl = process.env.TEST_REPLICA_URL;
const describeReplica = primaryUrl && replicaUrl ? describe : describe.skip;

const withDb = (url: string, db: string) => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};

async function on<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeReplica('read replica (PostgreSQL streaming replication)', () => {
  const db = `cp_replica_${process.pid}`;
  let t: TestApp;
  let cadre: string;
  let villagerId: number;
  let ruleId: number;

  /** Until the replica has replayed everything the primary has written. */
  async function caughtUp(): Promise<void> {
    const lsn = await on(primaryUrl!, async (c) => {
      return (await c.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn as string;
    });
    for (let i = 0; i < 200; i++) {
      const done = await on(replicaUrl!, async (c) => {
        const { rows } = await c.query('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [
          lsn,
        ]);
        return rows[0].done as boolean;
      });
      if (done) return;
      await sleep(50);
    }
    throw new Error('the replica did not catch up in 10 s');
  }
  const replay = (paused: boolean) =>
    on(replicaUrl!, (c) =>
      c.query(paused ? 'SELECT pg_wal_replay_pause()' : 'SELECT pg_wal_replay_resume()'),
    );

  beforeAll(async () => {
    await on(primaryUrl!, (c) => c.query(`CREATE DATABASE ${db}`));
    await caughtUp();
    t = await createTestApp({
      DATABASE_URL: withDb(primaryUrl!, db),
      DATABASE_READ_URL: withDb(replicaUrl!, db),
    });
    const village = await t.newVillage();
    cadre = await t.tokenFor('cadre', { villageId: village.id });
    villagerId = (await t.newVillager(village.id)).id;
    ruleId = (await newRule(t, { points: 5 })).id;
    await caughtUp();
  });
  afterAll(async () => {
    await replay(false);
    await t?.close();
    await on(primaryUrl!, (c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
  });

  const record = () =>
    t
      .http()
      .post('/api/deeds')
      .set(bearer(cadre))
      .send({ villagerId, ruleId, occurredOn: todayIn('Asia/Shanghai'), description: '清扫村道' })
      .expect(201);
  const history = (headers: Record<string, string> = {}) =>
    t
      .http()
      .get(`/api/villagers/${villagerId}/points`)
      .set({ ...bearer(cadre), ...headers })
      .expect(200)
      .then((res) => res.body as { balance: number; entries: { total: number } });

  it('reads histories on the replica, and a writer’s own write back from the primary', async () => {
    await replay(true);
    const before = await history();
    const res = await record();
    const lsn = res.headers[READ_AFTER_HEADER] as string;
    expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) =>
      c.startsWith('cp_read_after='),
    );
    expect(cookie).toContain(`cp_read_after=${lsn};`);
    expect(cookie).toContain('HttpOnly');

    // the writer, by header or cookie: the primary, with the new deed
    const own = await history({ [READ_AFTER_HEADER]: lsn });
    expect(own.balance).toBe(before.balance + 5);
    expect(own.entries.total).toBe(before.entries.total + 1);
    const byCookie = await history({ cookie: cookie!.split(';')[0] });
    expect(byCookie.balance).toBe(before.balance + 5);

    // anyone else: the replica, paused before the deed
    const other = await history();
    expect(other.balance).toBe(before.balance);
    expect(other.entries.total).toBe(before.entries.total);

    // replay goes on: the replica has it, for everyone
    await replay(false);
    await caughtUp();
    expect((await history()).balance).toBe(before.balance + 5);
    expect((await history({ [READ_AFTER_HEADER]: lsn })).balance).toBe(before.balance + 5);
  });

  it('reads the district dashboard on the replica too', async () => {
    await caughtUp();
    await replay(true);
    try {
      const admin = await t.adminToken();
      const dashboard = () =>
        t
          .http()
          .get('/api/dashboard')
          .set(bearer(admin))
          .expect(200)
          .then((r) => JSON.stringify(r.body.totals));
      const before = await dashboard();
      await record();
      // the admin did not write: the replica answers, as it was before the deed
      expect(await dashboard()).toBe(before);
      await replay(false);
      await caughtUp();
      expect(await dashboard()).not.toBe(before);
    } finally {
      await replay(false);
    }
  });

  it('sends nothing to the replica that it has not replayed: a forged position reads the primary', async () => {
    await replay(true);
    try {
      const before = await history();
      await record();
      expect((await history({ [READ_AFTER_HEADER]: 'FFFFFFFF/FFFFFFFF' })).balance).toBe(
        before.balance + 5,
      );
      expect((await history({ [READ_AFTER_HEADER]: 'not-a-position' })).balance).toBe(
        before.balance,
      );
    } finally {
      await replay(false);
    }
  });
});
