import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { MONTHS_AHEAD, PARTITIONED } from '../migrations/1764300000000-partitioned-history';
import { dataSourceOptions } from '../src/db/data-source';
import { checkInvariants, describeInvariantProblems } from '../src/db/invariants';
import { Partitions } from '../src/db/partitions';
import { Village } from '../src/villages/village.entity';
import { Villager } from '../src/villagers/villager.entity';
import { createTestApp, freshDatabaseUrl, isPostgres, type TestApp } from './app';

/**
 * PostgreSQL's history partitioned by month (docs/architecture.md, "Partitioned history"): the
 * layout, its invariants (append-only, keys that span months, foreign keys), the months made
 * ahead, and the migration converting a database that already holds years of rows.
 */
const describePg = isPostgres ? describe : describe.skip;

const TABLES = PARTITIONED.map((p) => p.table);

describePg('partitioned history (PostgreSQL)', () => {
  let t: TestApp;
  let sql: (text: string, params?: unknown[]) => Promise<any[]>;
  let villageId: number;
  let villagerId: number;
  let ruleId: number;

  beforeAll(async () => {
    t = await createTestApp();
    sql = (text, params = []) => t.ds.query(text, params);
    villageId = (await t.newVillage()).id;
    villagerId = (await t.newVillager(villageId)).id;
    [{ id: ruleId }] = await sql(`SELECT id FROM rules WHERE points > 0 LIMIT 1`);
  });
  afterAll(() => t.close());

  /** A deed written straight in SQL, `monthsAgo` months before now (negative: ahead). */
  const deed = (monthsAgo: number, key: string | null, recordedBy = 1) =>
    sql(
      `INSERT INTO deeds (village_id, villager_id, rule_id, rule_title, category, points,
         occurred_on, month, description, source, status, recorded_by, recorded_at,
         idempotency_key)
       VALUES ($1, $2, $3, '好人好事', 'virtue', 5, CURRENT_DATE, '2026-01', '扶老人过马路',
         'cadre', 'approved', $4, now() - make_interval(months => $5), $6)
       ON CONFLICT DO NOTHING RETURNING id`,
      [villageId, villagerId, ruleId, recordedBy, monthsAgo, key],
    );
  const entry = (monthsAgo: number, deedId: number | null, kind = 'deed') =>
    sql(
      `INSERT INTO ledger_entries (villager_id, village_id, delta, kind, deed_id, balance_after,
         actor_id, created_at)
       VALUES ($1, $2, 5, $3, $4, 5, 1, now() - make_interval(months => $5)) RETURNING id`,
      [villagerId, villageId, kind, deedId, monthsAgo],
    );
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (err: { driverError?: { code?: string }; code?: string }) =>
        err.driverError?.code ?? err.code ?? String(err),
    );

  it('partitions the three history tables by month, with no default partition', async () => {
    const rows = await sql(
      `SELECT c.relname AS table, p.partstrat AS strategy, p.partdefid AS "defaultPartition",
              (SELECT COUNT(*) FROM pg_inherits i WHERE i.inhparent = c.oid)::int AS partitions
         FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid ORDER BY c.relname`,
    );
    expect(rows.map((r) => r.table)).toEqual([...TABLES].sort());
    for (const r of rows) {
      expect(r.strategy).toBe('r');
      expect(Number(r.defaultPartition)).toBe(0);
      expect(r.partitions).toBeGreaterThanOrEqual(MONTHS_AHEAD + 1);
    }
    // this month and the next three, for every table
    const months = await sql(
      `SELECT to_char(month_of(now()) + make_interval(months => i), 'YYYY_MM') AS m
         FROM generate_series(0, ${MONTHS_AHEAD}) i`,
    );
    for (const table of TABLES) {
      for (const { m } of months) {
        const [{ exists }] = await sql(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
          `${table}_${m}`,
        ]);
        expect([table, m, exists]).toEqual([table, m, true]);
      }
    }
  });

  it('puts each row in the partition of the month it was written in', async () => {
    const [{ id }] = await deed(-1, null);
    const [{ part }] = await sql(
      `SELECT tableoid::regclass::text AS part FROM deeds WHERE id = $1`,
      [id],
    );
    const [{ m }] = await sql(
      `SELECT to_char(month_of(now() + interval '1 month'), 'YYYY_MM') AS m`,
    );
    expect(part).toBe(`deeds_${m}`);
  });

  it('keeps an idempotency key unique across months: the later deed is not written', async () => {
    expect(await deed(0, 'same-key', 7)).toHaveLength(1);
    expect(await deed(-2, 'same-key', 7)).toEqual([]);
    expect(await deed(-2, 'same-key', 8)).toHaveLength(1); // another recorder's key
    const [{ n }] = await sql(`SELECT COUNT(*)::int AS n FROM deeds WHERE idempotency_key = $1`, [
      'same-key',
    ]);
    expect(n).toBe(2);
  });

  it('keeps one ledger entry per deed and kind across months, and its foreign keys', async () => {
    const [{ id }] = await deed(0, null);
    await entry(0, id);
    expect(await code(entry(-1, id))).toBe('23505');
    expect(await code(entry(0, id, 'reversal'))).toBe('ok');
    expect(await code(entry(0, 999_999_999))).toBe('23503');
    await sql(`UPDATE villagers SET balance = balance + 10 WHERE id = $1`, [villagerId]);
    // a deed's entries, photos and objections point at a deed id that exists
    const fks = await sql(
      `SELECT conrelid::regclass::text AS child FROM pg_constraint
        WHERE contype = 'f' AND confrelid = 'deed_keys'::regclass AND conparentid = 0 ORDER BY 1`,
    );
    expect(fks.map((r) => r.child)).toEqual(['ledger_entries', 'objections', 'photos']);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of the append-only history, partitions included', async () => {
    const [{ m }] = await sql(`SELECT to_char(month_of(now()), 'YYYY_MM') AS m`);
    await entry(0, null, 'adjustment');
    await sql(`INSERT INTO audit_events (at, action, entity_type, entity_id, changes)
               VALUES (now(), 'create', 'deed', 1, '{}')`);
    for (const table of [
      'ledger_entries',
      'audit_events',
      `ledger_entries_${m}`,
      `audit_events_${m}`,
    ]) {
      expect([table, await code(sql(`UPDATE ${table} SET id = id`))]).toEqual([table, 'P0001']);
      expect([table, await code(sql(`DELETE FROM ${table}`))]).toEqual([table, 'P0001']);
      expect([table, await code(sql(`TRUNCATE ${table} CASCADE`))]).toEqual([table, 'P0001']);
    }
    for (const table of ['deed_keys', 'ledger_entry_keys']) {
      expect([table, await code(sql(`DELETE FROM ${table}`))]).toEqual([table, 'P0001']);
      expect([table, await code(sql(`TRUNCATE ${table} CASCADE`))]).toEqual([table, 'P0001']);
    }
  });

  it('makes the coming months again when they are missing, once however many ask', async () => {
    const [{ m }] = await sql(
      `SELECT to_char(month_of(now()) + make_interval(months => ${MONTHS_AHEAD}), 'YYYY_MM') AS m`,
    );
    for (const table of TABLES) await sql(`DROP TABLE ${table}_${m}`);
    const partitions = t.app.get(Partitions);
    const made = await Promise.all([partitions.ensure(), partitions.ensure(), partitions.ensure()]);
    expect(made.sort()).toEqual([0, 0, TABLES.length]);
    expect(await deed(-MONTHS_AHEAD, null)).toHaveLength(1);
  });
});

describePg('the migration to partitioned history', () => {
  it('converts a database holding rows of past years, ids, keys and sums unchanged', async () => {
    const db = await freshDatabaseUrl();
    const before = MIGRATIONS.slice(0, -1);
    const old = await new DataSource({
      ...dataSourceOptions({ type: 'postgres', url: db.url }),
      migrations: before,
    }).initialize();
    try {
      await old.runMigrations({ transaction: 'all' });
      const village = await old.getRepository(Village).save({
        code: 'P1',
        name: '分区村',
        town: '分区镇',
        redListSize: 10,
      });
      const villager = await old.getRepository(Villager).save({
        villageId: village.id,
        name: '王分区',
        nameInitials: 'wfq',
      } as Partial<Villager>);
      const [{ id: ruleId }] = await old.query(`SELECT id FROM rules WHERE points > 0 LIMIT 1`);
      // 30 months of history, a deed, its entry and an audit event each month
      await old.query(
        `WITH m AS (SELECT i, now() - make_interval(months => i) AS at
                      FROM generate_series(0, 29) i),
              d AS (INSERT INTO deeds (village_id, villager_id, rule_id, rule_title, category,
                      points, occurred_on, month, description, source, status, recorded_by,
                      recorded_at, idempotency_key)
                    SELECT $1, $2, $3, '好人好事', 'virtue', 5, at::date, to_char(at, 'YYYY-MM'),
                           '旧事', 'cadre', 'approved', 1, at, 'k' || i FROM m
                    RETURNING id, recorded_at)
         INSERT INTO ledger_entries (villager_id, village_id, delta, kind, deed_id, balance_after,
                 actor_id, created_at)
         SELECT $2, $1, 5, 'deed', d.id, 5, 1, d.recorded_at FROM d`,
        [village.id, villager.id, ruleId],
      );
      await old.query(`UPDATE villagers SET balance = 150 WHERE id = $1`, [villager.id]);
      await old.query(
        `INSERT INTO audit_events (at, action, entity_type, entity_id, changes)
         SELECT now() - make_interval(months => i), 'create', 'deed', i, '{}'
           FROM generate_series(0, 29) i`,
      );
      const snapshot = () =>
        Promise.all(
          TABLES.map((table) =>
            old.query(`SELECT COUNT(*)::int AS n, SUM(id)::int AS ids FROM ${table}`),
          ),
        );
      const counted = await snapshot();
      await old.destroy();

      const converted = await new DataSource(
        dataSourceOptions({ type: 'postgres', url: db.url }),
      ).initialize();
      try {
        await converted.runMigrations({ transaction: 'all' });
        const query = (text: string) => converted.query(text);
        expect(
          await Promise.all(
            TABLES.map((table) =>
              converted.query(`SELECT COUNT(*)::int AS n, SUM(id)::int AS ids FROM ${table}`),
            ),
          ),
        ).toEqual(counted);
        expect(counted[0][0].n).toBe(30);
        // each row in its own month's partition: 30 months of rows, 30 partitions holding them
        const [{ parts }] = await query(
          `SELECT COUNT(DISTINCT tableoid)::int AS parts FROM ledger_entries`,
        );
        expect(parts).toBe(30);
        const [keys] = await query(
          `SELECT (SELECT COUNT(*)::int FROM deed_keys) AS deeds,
                  (SELECT COUNT(*)::int FROM ledger_entry_keys) AS entries`,
        );
        expect(keys).toEqual({ deeds: 30, entries: 30 });
        expect(describeInvariantProblems(await checkInvariants(query))).toEqual([]);
        // new rows take ids after the old ones, and an old key is still taken
        const insert = (key: string) =>
          converted.query(
            `INSERT INTO deeds (village_id, villager_id, rule_id, rule_title, category, points,
               occurred_on, month, description, source, status, recorded_by, recorded_at,
               idempotency_key)
             VALUES ($1, $2, $3, '好人好事', 'virtue', 5, CURRENT_DATE, '2026-12', '新事',
               'cadre', 'approved', 1, now(), $4)
             ON CONFLICT DO NOTHING RETURNING id`,
            [village.id, villager.id, ruleId, key],
          );
        expect(await insert('k29')).toEqual([]);
        const [{ id }] = await insert('fresh');
        expect(id).toBeGreaterThan(counted[0][0].ids / 30 + 15);
      } finally {
        await converted.destroy();
      }
    } finally {
      if (old.isInitialized) await old.destroy();
      await db.drop();
    }
  });
});
