import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { DatabaseInUseError } from '../src/backup/backup';
import { copySqliteToPostgres, type CopyProgress } from '../src/db/copy';
import { SqliteFile } from '../src/db/sqlite-file';
import { ADMIN_PASSWORD, freshDatabaseUrl, isPostgres } from './app';
import { assertBuildIsFresh, startInstances } from './instances';

/**
 * The move from SQLite to PostgreSQL, end to end: the demo district is seeded into an SQLite file
 * by the built seed script, a built service on that file takes redemptions, then db:copy moves it
 * into a new PostgreSQL database, and the service on PostgreSQL answers the same reads with the
 * same bodies. Runs with `npm run test:pg` (it needs PostgreSQL and a fresh build).
 */
const describePg = isPostgres ? describe : describe.skip;
const ROOT = resolve(__dirname, '..');
const JWT_SECRET = 'copy-test-secret-copy-test-secret-copy';

type Http = (path: string, token?: string, body?: object) => Promise<{ status: number; body: any }>;

const over =
  (base: string): Http =>
  async (path, token, body) => {
    const res = await fetch(`${base}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  };

async function login(http: Http, username: string, password = 'Demo-2026'): Promise<string> {
  const res = await http('/api/auth/login', undefined, { username, password });
  expect(res.status).toBe(200);
  return res.body.accessToken;
}

/** What an admin, a cadre and a shopkeeper read: compared body for body after the move. */
async function snapshot(http: Http) {
  const admin = await login(http, 'admin', ADMIN_PASSWORD);
  const cadre = await login(http, 'cadre_sj');
  const shop = await login(http, 'shop_ss');
  const villagers = (await http('/api/villagers?pageSize=200', admin)).body;
  const stores = (await http('/api/stores', admin)).body;
  const points = [];
  for (const v of villagers.items.slice(0, 8)) {
    points.push((await http(`/api/villagers/${v.id}/points?pageSize=200`, admin)).body);
  }
  return {
    villagers,
    stores,
    points,
    deeds: (await http('/api/deeds?pageSize=200', cadre)).body,
    goods: (await http(`/api/stores/${stores.items[0].id}/goods`, shop)).body,
    redemptions: (await http('/api/redemptions?pageSize=200', shop)).body,
  };
}

describePg('db:copy from SQLite to PostgreSQL', () => {
  let dir: string;
  let file: string;
  const drops: (() => Promise<void>)[] = [];

  beforeAll(() => {
    assertBuildIsFresh(['src/db', 'src/backup', 'src/store', 'scripts', 'migrations']);
    dir = mkdtempSync(join(tmpdir(), 'cp-copy-'));
    file = join(dir, 'district.sqlite');
  });
  afterAll(async () => {
    for (const drop of drops) await drop();
    if (dir) rmSync(dir, { recursive: true, force: true }); // unset when the build was stale
  });

  it('moves the demo district with its redemptions; the service on PostgreSQL serves the same data', async () => {
    const seeded = spawnSync(process.execPath, [join(ROOT, 'dist', 'scripts', 'seed-demo.js')], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: `sqlite:${file}`, ADMIN_PASSWORD, LOG_REQUESTS: '0' },
      encoding: 'utf8',
    });
    expect(seeded.stderr).toBe('');
    expect(seeded.status).toBe(0);

    // A day at the shop on SQLite: redemptions, one cancelled.
    const lite = await startInstances(1, {
      DATABASE_URL: `sqlite:${file}`,
      JWT_SECRET,
      ADMIN_PASSWORD,
    });
    let before;
    try {
      const http = over(lite.urls[0]);
      const shop = await login(http, 'shop_ss');
      const admin = await login(http, 'admin', ADMIN_PASSWORD);
      const store = (await http('/api/stores', admin)).body.items[0];
      const goods = (await http(`/api/stores/${store.id}/goods`, shop)).body.items;
      const rich = (await http('/api/villagers?pageSize=200', admin)).body.items.filter(
        (v: { balance: number }) => v.balance >= 20,
      );
      expect(rich.length).toBeGreaterThan(3);
      const ids: number[] = [];
      for (const [i, v] of rich.slice(0, 4).entries()) {
        const res = await http('/api/redemptions', shop, {
          villagerId: v.id,
          storeId: store.id,
          items: [{ goodsId: goods[i % goods.length].id, quantity: 1 }],
        });
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
      const cancel = await http(`/api/redemptions/${ids[0]}/cancel`, shop, { reason: '退货' });
      expect(cancel.status).toBe(200);
      before = await snapshot(http);
    } catch (err) {
      // fetch's own message is "fetch failed": its cause says what failed (refused, reset, …)
      const cause = (err as Error).cause;
      throw new Error(`${(err as Error).message} ${cause ? String(cause) : ''}\n${lite.output()}`);
    } finally {
      await lite.stop();
    }
    expect(before.redemptions.total).toBe(4);

    const target = await freshDatabaseUrl();
    drops.push(target.drop);

    // A connection still open on the file (a service that was not stopped) stops the copy.
    const open = new SqliteFile(file, { fileMustExist: true });
    open.pragma('journal_mode = WAL');
    await expect(copySqliteToPostgres(file, target.url)).rejects.toThrow(DatabaseInUseError);
    open.close();

    const progress: CopyProgress[] = [];
    const report = await copySqliteToPostgres(file, target.url, {
      batchSize: 20,
      onProgress: (p) => progress.push(p),
    });
    const tables = report.tables.map((t) => t.name);
    // Parents before children.
    for (const [parent, child] of [
      ['villages', 'villagers'],
      ['villagers', 'ledger_entries'],
      ['deeds', 'ledger_entries'],
      ['redemptions', 'ledger_entries'],
      ['goods', 'stock_movements'],
      ['stores', 'users'],
    ]) {
      expect(tables.indexOf(parent)).toBeLessThan(tables.indexOf(child));
    }
    expect(tables).not.toContain('migrations');
    const ledgerRows = report.tables.find((t) => t.name === 'ledger_entries')!.rows;
    expect(ledgerRows).toBeGreaterThan(40); // several batches of 20
    expect(progress.filter((p) => p.table === 'ledger_entries').at(-1)).toEqual({
      table: 'ledger_entries',
      done: ledgerRows,
      total: ledgerRows,
    });

    // Only an empty database is filled.
    await expect(copySqliteToPostgres(file, target.url)).rejects.toThrow(/not empty/);

    const pg = await startInstances(1, { DATABASE_URL: target.url, JWT_SECRET, ADMIN_PASSWORD });
    try {
      const http = over(pg.urls[0]);
      expect(await snapshot(http)).toEqual(before);
      // New rows get fresh ids: the sequences were moved past the copied ones.
      const cadre = await login(http, 'cadre_sj');
      const deed = before.deeds.items[0];
      const res = await http('/api/deeds', cadre, {
        villagerId: deed.villagerId,
        ruleId: deed.ruleId,
        occurredOn: deed.occurredOn,
        description: '迁移后新记录',
      });
      expect([201, 409]).toContain(res.status);
      const client = new Client({ connectionString: target.url });
      await client.connect();
      const { rows } = await client.query(
        `SELECT (SELECT MAX(id) FROM users) AS users, (SELECT COUNT(*) FROM users) AS n`,
      );
      await client.end();
      const created = await http('/api/users', await login(http, 'admin', ADMIN_PASSWORD), {
        username: 'after_move',
        password: 'After-Move-Pass-4',
        role: 'admin',
      });
      expect(created.status).toBe(201);
      expect(created.body.id).toBe(Number(rows[0].users) + 1);
    } finally {
      await pg.stop();
    }
  });

  it('refuses a file that is not a Civility Points database, and leaves the target empty', async () => {
    const foreign = join(dir, 'foreign.sqlite');
    const f = new SqliteFile(foreign);
    f.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY)');
    f.close();
    const target = await freshDatabaseUrl();
    drops.push(target.drop);
    await expect(copySqliteToPostgres(foreign, target.url)).rejects.toThrow(/no migrations table/);
    const client = new Client({ connectionString: target.url });
    await client.connect();
    const { rows } = await client.query(
      `SELECT COUNT(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    await client.end();
    expect(rows[0].n).toBe(0);
  });
});
