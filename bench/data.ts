/**
 * `npm run bench:data`: a synthetic district written in bulk straight into the database.
 *
 * 150 villages × 2,700 villagers in households of ~5, the default rule catalogue (seeded by the
 * migrations), a store per village with a few goods, and 12 months of approved deeds ending last
 * month (Asia/Shanghai): one deed and one ledger entry each, ~10 million of both, with a correct
 * running balance_after per villager and villagers.balance = the sum of their entries.
 *
 * Target: SQLite bench/data/district.sqlite (replaced), or the PostgreSQL database in
 * DATABASE_URL (must be empty apart from the migrations). BENCH_SCALE=0.02 scales the number of
 * villages (at least 2; villages keep their real size) for a quick smoke run; BENCH_SEED changes
 * the random district.
 *
 * Deeds are written in time order, day by day, villages interleaved within a day, as a live
 * district would write them: a village's month is spread over the whole table, not clustered.
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import * as bcrypt from 'bcryptjs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { daysInMonth, todayIn } from '../src/common/time';
import { parseDatabaseUrl } from '../src/config';
import { MIGRATIONS } from '../migrations';
import { PartitionedHistory1764300000000 as PartitionedHistory } from '../migrations/1764300000000-partitioned-history';
import { dataSourceOptions } from '../src/db/data-source';
import {
  BENCH_PASSWORD,
  DEFAULT_SQLITE_FILE,
  TIME_ZONE,
  benchTarget,
  describeTarget,
  fmt,
  lastTwelveMonths,
  Progress,
  rng,
  seconds,
  type Target,
} from './common';
import { Database, type SqliteStatement } from './drivers';

// ── shape of the district ────────────────────────────────────────────────────────────────

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const SEED = Number(process.env.BENCH_SEED ?? '20261123');
const VILLAGES = Math.max(2, Math.round(150 * SCALE));
const VILLAGERS_PER_VILLAGE = 2700;
/** Deeds per villager per month: 0…4, mean 2.06 → ~24.7 a year → ~10 M at full scale. */
const DEEDS_PER_MONTH_CDF = [0.1, 0.32, 0.64, 0.88, 1];
/** Share of deeds that are deductions: a few dozen black-list names per village per month. */
const DEDUCTION_SHARE = 0.006;
const GOODS = [
  { name: '毛巾', price: 15 },
  { name: '牙膏', price: 20 },
  { name: '酱油', price: 25 },
  { name: '洗衣粉', price: 30 },
  { name: '大米 5kg', price: 100 },
  { name: '食用油 5L', price: 120 },
];
const OPENING_STOCK = 100_000;
const BATCH = 10_000;

// ── tables as written here (column order of the generated rows) ───────────────────────────

type ColType = 'int' | 'text' | 'date' | 'ts' | 'bool';
interface Table {
  name: string;
  cols: [string, ColType][];
}
const table = (name: string, spec: string): Table => ({
  name,
  cols: spec.split(' ').map((c) => c.split(':') as [string, ColType]),
});

const T = {
  villages: table(
    'villages',
    'id:int code:text name:text town:text red_list_size:int created_at:ts',
  ),
  stores: table('stores', 'id:int name:text created_at:ts'),
  storeVillages: table('store_villages', 'store_id:int village_id:int'),
  households: table(
    'households',
    'id:int village_id:int household_no:text head_name:text group:text created_at:ts',
  ),
  villagers: table(
    'villagers',
    'id:int village_id:int household_id:int name:text status:text balance:int created_at:ts',
  ),
  users: table(
    'users',
    'id:int username:text password_hash:text role:text village_id:int store_id:int created_at:ts',
  ),
  goods: table(
    'goods',
    'id:int store_id:int name:text points_price:int stock:int active:bool created_at:ts',
  ),
  stockMovements: table(
    'stock_movements',
    'id:int goods_id:int delta:int reason:text note:text actor_id:int created_at:ts',
  ),
  deeds: table(
    'deeds',
    'id:int village_id:int villager_id:int rule_id:int rule_title:text category:text points:int ' +
      'occurred_on:date month:text description:text source:text status:text recorded_by:int ' +
      'recorded_at:ts reviewed_by:int reviewed_at:ts',
  ),
  ledger: table(
    'ledger_entries',
    'id:int villager_id:int village_id:int delta:int kind:text deed_id:int balance_after:int ' +
      'actor_id:int created_at:ts',
  ),
};
/** The big tables whose secondary indexes are dropped during the load and rebuilt after it. */
const BIG_TABLES = ['deeds', 'ledger_entries'];

type Row = unknown[];

/** Where rows go: better-sqlite3 prepared statements, or multi-row `unnest` INSERTs on PostgreSQL. */
interface Sink {
  insert(t: Table, rows: Row[]): Promise<void>;
  /** Waits for everything sent so far. */
  flush(): Promise<void>;
  dropBigIndexes(): Promise<{ name: string; sql: string }[]>;
  createIndex(sql: string): Promise<void>;
  setBalances(balances: Int32Array): Promise<void>;
  finish(): Promise<void>;
  query(sql: string): Promise<Record<string, unknown>[]>;
}

// ── SQLite ───────────────────────────────────────────────────────────────────────────────

function sqliteSink(file: string): Sink {
  const db = new Database(file);
  // Bulk load only: no journal, no fsync, one connection, a big page cache for the index
  // builds. WAL is back in finish(); the file is a .partial until the load is complete.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -1000000');
  db.pragma('temp_store = MEMORY');
  // Multi-row INSERTs: one native call per ROWS_PER_INSERT rows instead of one per row.
  const ROWS_PER_INSERT = 50;
  const statements = new Map<string, SqliteStatement>();
  const statement = (t: Table, rows: number) => {
    const key = `${t.name}/${rows}`;
    let s = statements.get(key);
    if (!s) {
      const one = `(${t.cols.map(() => '?').join(', ')})`;
      s = db.prepare(
        `INSERT INTO ${t.name} (${t.cols.map(([c]) => `"${c}"`).join(', ')}) ` +
          `VALUES ${Array.from({ length: rows }, () => one).join(', ')}`,
      );
      statements.set(key, s);
    }
    return s;
  };
  const insertAll = db.transaction((t: Table, rows: Row[]) => {
    const bools = t.cols.flatMap(([, type], i) => (type === 'bool' ? [i] : []));
    for (const row of rows) for (const i of bools) row[i] = row[i] ? 1 : 0;
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + ROWS_PER_INSERT);
      statement(t, chunk.length).run(chunk.flat());
    }
  });
  return {
    insert(t, rows) {
      insertAll(t, rows);
      return Promise.resolve();
    },
    flush: () => Promise.resolve(),
    dropBigIndexes() {
      const indexes = db
        .prepare(
          `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
           AND tbl_name IN (${BIG_TABLES.map((t) => `'${t}'`).join(', ')})`,
        )
        .all() as { name: string; sql: string }[];
      for (const i of indexes) db.exec(`DROP INDEX "${i.name}"`);
      return Promise.resolve(indexes);
    },
    createIndex(sql) {
      db.exec(sql);
      return Promise.resolve();
    },
    setBalances(balances) {
      const s = db.prepare('UPDATE villagers SET balance = ? WHERE id = ?');
      db.transaction(() => {
        for (let i = 0; i < balances.length; i++) if (balances[i] !== 0) s.run(balances[i], i + 1);
      })();
      return Promise.resolve();
    },
    finish() {
      db.pragma('locking_mode = NORMAL');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.close();
      return Promise.resolve();
    },
    query: (sql) => Promise.resolve(db.prepare(sql).all() as Record<string, unknown>[]),
  };
}

// ── PostgreSQL ───────────────────────────────────────────────────────────────────────────

const PG_TYPE: Record<ColType, string> = {
  int: 'int4',
  text: 'text',
  date: 'date',
  ts: 'timestamptz',
  bool: 'bool',
};

async function postgresSink(url: string): Promise<Sink> {
  const client = new Client({ connectionString: url });
  await client.connect();
  // Timestamps are written as UTC text; asynchronous commit is safe for a load we would redo.
  await client.query(`SET TIME ZONE 'UTC'`);
  await client.query('SET synchronous_commit = off');
  await client.query(`SET maintenance_work_mem = '1GB'`);
  try {
    // Skips the foreign-key triggers during the load (needs a superuser; without it the
    // rows are still written in an order that satisfies the keys, just more slowly).
    await client.query('SET session_replication_role = replica');
  } catch {
    process.stderr.write('(not a superuser: foreign keys stay checked during the load)\n');
  }
  // One connection and one statement in flight: PostgreSQL inserts one batch while this
  // process builds the next, and the batches arrive in order.
  let inflight: Promise<unknown> = Promise.resolve();
  let failure: unknown = null;
  const settle = async () => {
    await inflight;
    if (failure) throw failure;
  };
  const send = async (sql: string, params: unknown[]) => {
    await settle();
    inflight = client.query(sql, params).catch((err: unknown) => (failure = err));
  };
  return {
    async insert(t, rows) {
      const columns = t.cols.map((_, i) => rows.map((r) => r[i]));
      await send(
        `INSERT INTO ${t.name} (${t.cols.map(([c]) => `"${c}"`).join(', ')}) ` +
          `SELECT * FROM unnest(${t.cols.map(([, type], i) => `$${i + 1}::${PG_TYPE[type]}[]`).join(', ')})`,
        columns,
      );
    },
    flush: settle,
    async dropBigIndexes() {
      // partitioned history: the months of the load, before any row needs them
      const partitioned = (await client.query(`SELECT to_regclass('deed_keys') AS t`)).rows[0].t;
      if (partitioned) {
        await client.query(`SELECT ensure_month_partitions_since(now() - interval '13 months')`);
      }
      const { rows } = await client.query<{ name: string; sql: string }>(
        `SELECT i.relname AS name, pg_get_indexdef(ix.indexrelid) AS sql
           FROM pg_index ix
           JOIN pg_class i ON i.oid = ix.indexrelid
           JOIN pg_class t ON t.oid = ix.indrelid
          WHERE t.relname = ANY($1) AND NOT ix.indisprimary
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)`,
        [BIG_TABLES],
      );
      for (const i of rows) await client.query(`DROP INDEX "${i.name}"`);
      // an index of a partitioned table is made on every partition (not ON ONLY the parent)
      return rows.map((i) => ({ ...i, sql: i.sql.replace(' ON ONLY ', ' ON ') }));
    },
    async createIndex(sql) {
      await client.query(sql);
    },
    async setBalances(balances) {
      const ids: number[] = [];
      const values: number[] = [];
      for (let i = 0; i < balances.length; i++) {
        if (balances[i] !== 0) {
          ids.push(i + 1);
          values.push(balances[i]);
        }
      }
      for (let i = 0; i < ids.length; i += 50_000) {
        await client.query(
          `UPDATE villagers v SET balance = x.b
             FROM unnest($1::int4[], $2::int4[]) AS x(id, b) WHERE v.id = x.id`,
          [ids.slice(i, i + 50_000), values.slice(i, i + 50_000)],
        );
      }
    },
    async finish() {
      await client.query('SET session_replication_role = DEFAULT').catch(() => undefined);
      // partitioned history: the load skipped the triggers that fill the keys tables
      if ((await client.query(`SELECT to_regclass('deed_keys') AS t`)).rows[0].t) {
        await client.query(
          `INSERT INTO deed_keys (id, recorded_by, idempotency_key)
           SELECT id, recorded_by, idempotency_key FROM deeds`,
        );
        await client.query(
          `INSERT INTO ledger_entry_keys (entry_id, kind, deed_id, redemption_id)
           SELECT id, kind, deed_id, redemption_id FROM ledger_entries
            WHERE deed_id IS NOT NULL OR redemption_id IS NOT NULL`,
        );
      }
      // The ids were written explicitly: move each sequence past them.
      for (const t of Object.values(T)) {
        if (!t.cols.some(([c]) => c === 'id')) continue;
        await client.query(
          `SELECT setval(pg_get_serial_sequence('${t.name}', 'id'),
                  GREATEST((SELECT MAX(id) FROM ${t.name}), 1))`,
        );
      }
      await client.query('VACUUM ANALYZE');
      await client.end();
    },
    async query(sql) {
      return (await client.query(sql)).rows;
    },
  };
}

// ── names ────────────────────────────────────────────────────────────────────────────────

const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊孟秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万严覃戴莫向汤易阳',
];
const GIVEN = [
  ...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红玉春梅海波志文辉鹏飞云凤珍德福生荣贵林山水清松柏菊兴旺发良',
];
const PLACE_A = [...'青石龙凤金银花竹松桃梅柳枫荷白黄红东西南北上下'];
const PLACE_B = [...'山坪塘冲湾溪岭桥坳坡田坝湖庄源'];
const TOWNS = [
  '茶园',
  '石井',
  '杉山',
  '万宝',
  '双江',
  '蛇形山',
  '百亩',
  '水洞底',
  '湄江',
  '仙洞',
  '桥头河',
  '金竹山',
];

// ── the load ─────────────────────────────────────────────────────────────────────────────

interface RuleRow {
  id: number;
  code: string;
  title: string;
  category: string;
  points: number;
  maxPerMonth: number | null;
}

/**
 * PostgreSQL's history layout (BENCH_LAYOUT): `partitioned` (what the migrations make) or
 * `unpartitioned` (the schema before migrations/1764300000000-partitioned-history.ts, that
 * migration marked as applied so that the service leaves it so, and a no-op partition keeper):
 * `npm run bench:province` measures both.
 */
const LAYOUT = process.env.BENCH_LAYOUT ?? 'partitioned';

async function migrate(target: Target): Promise<RuleRow[]> {
  const unpartitioned = target.kind === 'postgres' && LAYOUT === 'unpartitioned';
  const ds = new DataSource({
    ...dataSourceOptions(parseDatabaseUrl(target.url)),
    migrationsRun: false,
    ...(unpartitioned ? { migrations: MIGRATIONS.filter((m) => m !== PartitionedHistory) } : {}),
  });
  await ds.initialize();
  try {
    await ds.runMigrations();
    if (unpartitioned) {
      await ds.query(`INSERT INTO migrations (timestamp, name) VALUES ($1, $2)`, [
        1764300000000,
        new PartitionedHistory().name,
      ]);
      await ds.query(
        `CREATE FUNCTION ensure_month_partitions() RETURNS int AS 'SELECT 0' LANGUAGE sql`,
      );
    }
    const [{ n }] = await ds.query('SELECT COUNT(*) AS n FROM villages');
    if (Number(n) > 0) {
      throw new Error(
        `${describeTarget(target)} already holds villages: bench:data writes into an empty ` +
          `database (e.g. createdb cp_bench, then DATABASE_URL=postgres://…/cp_bench)`,
      );
    }
    const rules = await ds.query(
      `SELECT id, code, title, category, points, max_per_month AS "maxPerMonth"
         FROM rules WHERE village_id IS NULL AND active = ${target.kind === 'sqlite' ? 1 : 'true'}
        ORDER BY id`,
    );
    return (rules as RuleRow[]).map((r) => ({ ...r, id: Number(r.id), points: Number(r.points) }));
  } finally {
    await ds.destroy();
  }
}

const removeSqlite = (file: string) => {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
};

/**
 * The district is built in `<file>.partial` and renamed over `<file>` only when complete, so a
 * failed or interrupted run never leaves a half district where `npm run bench` would use it.
 */
function prepareSqliteFile(file: string): Target {
  mkdirSync(dirname(file), { recursive: true });
  if (existsSync(file) && file !== DEFAULT_SQLITE_FILE && process.env.BENCH_OVERWRITE !== '1') {
    throw new Error(`${file} exists; set BENCH_OVERWRITE=1 to replace it`);
  }
  const partial = `${file}.partial`;
  removeSqlite(partial);
  return { kind: 'sqlite', file: partial, url: `sqlite:${partial}` };
}

function completeSqliteFile(partial: string, file: string): void {
  removeSqlite(file);
  renameSync(partial, file);
}

/** Weighted choice over a fixed list, by a cumulative table. */
function chooser<T>(items: T[], weight: (t: T) => number, random: () => number): () => number {
  const cumulative: number[] = [];
  let sum = 0;
  for (const item of items) cumulative.push((sum += weight(item)));
  return () => {
    const x = random() * sum;
    let i = 0;
    while (cumulative[i] <= x) i++;
    return i;
  };
}

async function main(): Promise<void> {
  const target = benchTarget();
  const started = process.hrtime.bigint();
  const timings: Record<string, number> = {};
  const phase = async <R>(name: string, work: () => Promise<R>): Promise<R> => {
    const t = process.hrtime.bigint();
    const result = await work();
    timings[name] = seconds(t);
    return result;
  };
  const counts: Record<string, number> = {};
  const months = lastTwelveMonths(todayIn(TIME_ZONE));
  const villagerCount = VILLAGES * VILLAGERS_PER_VILLAGE;
  console.log(
    `Synthetic district → ${describeTarget(target)}\n` +
      `  ${VILLAGES} villages × ${VILLAGERS_PER_VILLAGE} villagers, months ${months[0]} … ` +
      `${months[11]} (${TIME_ZONE}), scale ${SCALE}, seed ${SEED}`,
  );

  const writing = target.kind === 'sqlite' ? prepareSqliteFile(target.file) : target;
  const rules = await phase('migrations', () => migrate(writing));
  const sink =
    writing.kind === 'sqlite' ? sqliteSink(writing.file) : await postgresSink(writing.url);
  const random = rng(SEED);
  const pick = (n: number) => Math.floor(random() * n);

  let buffer = new Map<Table, Row[]>();
  let buffered = 0;
  const put = (t: Table, row: Row) => {
    let rows = buffer.get(t);
    if (!rows) buffer.set(t, (rows = []));
    rows.push(row);
    buffered++;
    counts[t.name] = (counts[t.name] ?? 0) + 1;
  };
  /** Writes what is buffered, parents before children (the order matters without FK skipping). */
  const flushTables = async () => {
    const order = buffer;
    buffer = new Map();
    buffered = 0;
    for (const t of Object.values(T)) {
      const rows = order.get(t);
      if (rows?.length) await sink.insert(t, rows);
    }
  };
  const flushIfFull = async () => {
    if (buffered >= 2 * BATCH) await flushTables();
  };

  const indexes = await phase('drop indexes', () => sink.dropBigIndexes());

  // Villages, households, villagers, users, stores, goods.
  const since = `${months[0]}-01 00:00:00.000`;
  const villageOf = new Int32Array(villagerCount);
  await phase('reference data', async () => {
    const passwordHash = bcrypt.hashSync(BENCH_PASSWORD, 10);
    put(T.users, [1, 'admin', passwordHash, 'admin', null, null, since]);
    let villagerId = 0;
    let householdId = 0;
    let goodsId = 0;
    for (let v = 1; v <= VILLAGES; v++) {
      const code = `LX${String(v).padStart(3, '0')}`;
      const name = `${PLACE_A[v % PLACE_A.length]}${PLACE_B[Math.floor(v / PLACE_A.length) % PLACE_B.length]}村`;
      put(T.villages, [v, code, name, `${TOWNS[v % TOWNS.length]}镇`, 10, since]);
      put(T.users, [1 + v, `cadre-${code}`, passwordHash, 'cadre', v, null, since]);
      put(T.users, [1 + VILLAGES + v, `shop-${code}`, passwordHash, 'shopkeeper', null, v, since]);
      put(T.stores, [v, `${name}积分超市`, since]);
      put(T.storeVillages, [v, v]);
      for (const g of GOODS) {
        goodsId++;
        put(T.goods, [goodsId, v, g.name, g.price, OPENING_STOCK, true, since]);
        const shopkeeper = 1 + VILLAGES + v;
        put(T.stockMovements, [
          goodsId,
          goodsId,
          OPENING_STOCK,
          'restock',
          '初始库存 (opening stock)',
          shopkeeper,
          since,
        ]);
      }
      let left = VILLAGERS_PER_VILLAGE;
      let householdNo = 0;
      while (left > 0) {
        const size = Math.min(left, 2 + pick(7));
        left -= size;
        householdId++;
        householdNo++;
        const surname = SURNAMES[pick(SURNAMES.length)];
        const given = () =>
          GIVEN[pick(GIVEN.length)] + (random() < 0.7 ? GIVEN[pick(GIVEN.length)] : '');
        const head = surname + given();
        const group = `${Math.min(12, 1 + Math.floor(householdNo / 45))}组`;
        put(T.households, [
          householdId,
          v,
          `H${String(householdNo).padStart(4, '0')}`,
          head,
          group,
          since,
        ]);
        for (let m = 0; m < size; m++) {
          villagerId++;
          villageOf[villagerId - 1] = v;
          const name =
            m === 0 ? head : (random() < 0.8 ? surname : SURNAMES[pick(SURNAMES.length)]) + given();
          put(T.villagers, [villagerId, v, householdId, name, 'active', 0, since]);
        }
      }
    }
    await flushTables();
    await sink.flush();
  });

  // Twelve months of approved deeds, each with its ledger entry.
  const positive = rules.filter((r) => r.points > 0);
  const negative = rules.filter((r) => r.points < 0);
  if (!positive.length || !negative.length)
    throw new Error('the default rule catalogue is missing');
  if (rules.length > 64) throw new Error('more than 64 rules: widen the packing below');
  const pickPositive = chooser(
    positive,
    (r) => (r.points <= 3 ? 5 : r.points <= 5 ? 3 : r.points <= 10 ? 2 : 0.3),
    random,
  );
  const pickNegative = chooser(
    negative,
    (r) => (r.points >= -5 ? 4 : r.points >= -10 ? 2 : r.points >= -20 ? 1 : 0.5),
    random,
  );
  const ruleIndex = new Map(rules.map((r, i) => [r, i]));
  const DESCRIPTIONS: Record<string, string> = {
    industry: '入户走访核实，台账已登记',
    kindness: '活动签到表已核对',
    environment: '网格员入户检查记录',
    integrity: '村民小组长反映，经核实',
    family: '村民代表评议通过',
  };
  const description = rules.map((r) =>
    r.points < 0 ? `经村两委核实，予以扣分：${r.title}` : (DESCRIPTIONS[r.category] ?? '经核实'),
  );
  const balances = new Int32Array(villagerCount);
  const deducted = new Uint8Array(villagerCount);
  const expected = Math.round(villagerCount * 12 * 2.06);
  const progress = new Progress('deeds + ledger', expected);
  let id = 0;
  await phase('deeds + ledger entries', async () => {
    for (const month of months) {
      const days = daysInMonth(month);
      const byDay: number[][] = Array.from({ length: days }, () => []);
      const chosen: number[] = [];
      for (let v = 0; v < villagerCount; v++) {
        const x = random();
        let n = 0;
        while (DEEDS_PER_MONTH_CDF[n] <= x) n++;
        chosen.length = 0;
        // Distinct rules within a villager's month: no rule's maxPerMonth (≥ 1) is exceeded.
        while (chosen.length < n) {
          const rule =
            random() < DEDUCTION_SHARE ? negative[pickNegative()] : positive[pickPositive()];
          const r = ruleIndex.get(rule)!;
          if (!chosen.includes(r)) chosen.push(r);
        }
        for (const r of chosen) byDay[pick(days)].push(v * 64 + r);
      }
      for (let d = 0; d < days; d++) {
        const deeds = byDay[d];
        for (let i = deeds.length - 1; i > 0; i--) {
          const j = pick(i + 1);
          [deeds[i], deeds[j]] = [deeds[j], deeds[i]];
        }
        const date = `${month}-${String(d + 1).padStart(2, '0')}`;
        for (let i = 0; i < deeds.length; i++) {
          const v = Math.floor(deeds[i] / 64);
          const r = deeds[i] % 64;
          const rule = rules[r];
          const villagerId = v + 1;
          const villageId = villageOf[v];
          const cadre = 1 + villageId;
          // 08:00–20:00 in Shanghai is 00:00–12:00 UTC; times rise with the id through the day.
          const s = Math.floor((i / deeds.length) * 43_200);
          const at = `${date} ${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000`;
          balances[v] += rule.points;
          if (rule.points < 0) deducted[v] = 1;
          id++;
          put(T.deeds, [
            id,
            villageId,
            villagerId,
            rule.id,
            rule.title,
            rule.category,
            rule.points,
            date,
            month,
            description[r],
            'cadre',
            'approved',
            cadre,
            at,
            cadre,
            at,
          ]);
          put(T.ledger, [
            id,
            villagerId,
            villageId,
            rule.points,
            'deed',
            id,
            balances[v],
            cadre,
            at,
          ]);
          await flushIfFull();
        }
        progress.update(id, `${fmt(id)} deeds`);
      }
    }
    await flushTables();
    await sink.flush();
    progress.done(`${fmt(id)} deeds`);
  });

  await phase('balances', () => sink.setBalances(balances));

  await phase('rebuild indexes', async () => {
    for (const [i, index] of indexes.entries()) {
      process.stderr.write(`\rrebuilding index ${i + 1}/${indexes.length} ${index.name}\x1b[K`);
      await sink.createIndex(index.sql);
    }
    process.stderr.write('\n');
  });

  const [check] = await phase('check', () =>
    sink.query(
      `SELECT (SELECT SUM(balance) FROM villagers) AS balances,
              (SELECT SUM(delta) FROM ledger_entries) AS deltas,
              (SELECT COUNT(*) FROM ledger_entries) AS entries`,
    ),
  );
  if (Number(check.balances) !== Number(check.deltas) || Number(check.entries) !== id) {
    throw new Error(`check failed: ${JSON.stringify(check)}`);
  }
  await phase('finish', () => sink.finish());
  if (writing.kind === 'sqlite' && target.kind === 'sqlite') {
    completeSqliteFile(writing.file, target.file);
  }

  const total = seconds(started);
  console.log('\nRows written:');
  for (const t of Object.values(T)) {
    console.log(`  ${t.name.padEnd(16)} ${fmt(counts[t.name] ?? 0).padStart(12)}`);
  }
  console.log('Seconds:');
  for (const [name, s] of Object.entries(timings)) {
    console.log(`  ${name.padEnd(24)} ${s.toFixed(1).padStart(7)}`);
  }
  const rate = Math.round(
    (counts.deeds + counts.ledger_entries) / timings['deeds + ledger entries'],
  );
  console.log(
    `  ${'total'.padEnd(24)} ${total.toFixed(1).padStart(7)}   (${fmt(rate)} deed+ledger rows/s)`,
  );
  console.log(
    `Balances = sum of ledger entries (${fmt(Number(check.balances))} points); ` +
      `${fmt(deducted.reduce((n, d) => n + d, 0))} villagers with a deduction in the year.`,
  );
  if (target.kind === 'sqlite') {
    const mb = statSync(target.file).size / 1024 / 1024;
    console.log(`File ${target.file}: ${fmt(Math.round(mb))} MB`);
  }
  console.log(`Users: admin, cadre-LX001…, shop-LX001…, password "${BENCH_PASSWORD}".`);
}

main().catch((err) => {
  process.stderr.write('\n');
  console.error(`bench:data failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
