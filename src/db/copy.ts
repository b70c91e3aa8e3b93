import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { lockUnusedSqlite } from '../backup/backup';
import { dataSourceOptions } from './data-source';
import { checkInvariants, describeInvariantProblems, knownMigrationNames } from './invariants';
import type { SqliteDatabase } from './sqlite-file';

/**
 * Moves a whole SQLite installation into an empty PostgreSQL database: the project's migrations
 * build the schema there (so it is exactly what a PostgreSQL install would have), then every
 * table is copied with its ids, parents before children, in batches; then the copy is checked
 * (row counts, balances and stock against their entries and movements, the same sums on both
 * sides) and each id sequence is moved past the copied ids so new rows get fresh ones.
 *
 * The SQLite file is held under an exclusive lock for the whole copy: no service may write to it
 * meanwhile (a write after the copy started would be lost in the move).
 */

export interface CopyProgress {
  table: string;
  done: number;
  total: number;
}

export interface CopyReport {
  tables: { name: string; rows: number }[];
  rows: number;
  ms: number;
}

const MIGRATIONS_TABLE = 'migrations';

export async function copySqliteToPostgres(
  sqlitePath: string,
  pgUrl: string,
  opts: { batchSize?: number; onProgress?: (p: CopyProgress) => void } = {},
): Promise<CopyReport> {
  const started = Date.now();
  const batchSize = opts.batchSize ?? 5_000;
  const source = lockUnusedSqlite(sqlitePath);
  try {
    checkSourceMigrations(source);
    await migrateEmptyTarget(pgUrl);
    const client = new Client({ connectionString: pgUrl });
    await client.connect();
    try {
      // SQLite keeps UTC text for timestamps; read it as UTC.
      await client.query(`SET TIME ZONE 'UTC'`);
      const tables = copyOrder(source);
      const targetColumns = await columnTypes(client);
      await client.query('BEGIN');
      // The migrations may seed rows (the default rule catalogue); the copy brings its own.
      // Deleted, children first: the append-only history refuses TRUNCATE (and holds nothing yet).
      for (const table of [...tables].reverse()) {
        const { rows } = await client.query(`SELECT EXISTS (SELECT 1 FROM ${quote(table)}) AS e`);
        if (rows[0].e) await client.query(`DELETE FROM ${quote(table)}`);
      }
      await monthsOfHistory(source, client);
      const copied: { name: string; rows: number }[] = [];
      for (const table of tables) {
        copied.push({
          name: table,
          rows: await copyTable(source, client, table, targetColumns, batchSize, opts.onProgress),
        });
      }
      await client.query('COMMIT');
      const withIds = tables.filter((t) => targetColumns.get(t)?.has('id'));
      await setSequences(client, withIds);
      await verify(source, client, copied, withIds);
      return {
        tables: copied,
        rows: copied.reduce((sum, t) => sum + t.rows, 0),
        ms: Date.now() - started,
      };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await client.end();
    }
  } finally {
    source.close();
  }
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The source must be at exactly this version's migrations, which the target will get. */
function checkSourceMigrations(source: SqliteDatabase): void {
  const hasTable = source
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`)
    .get(MIGRATIONS_TABLE);
  if (!hasTable) throw new Error('the SQLite file has no migrations table: not this service’s');
  const applied = new Set(
    (source.prepare(`SELECT name FROM ${MIGRATIONS_TABLE}`).all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
  const known = knownMigrationNames(MIGRATIONS);
  const unknown = [...applied].filter((n) => !known.has(n));
  const missing = [...known].filter((n) => !applied.has(n));
  if (unknown.length) {
    throw new Error(`the SQLite file has migrations this version does not know: ${unknown}`);
  }
  if (missing.length) {
    throw new Error(
      `the SQLite file lacks migrations ${missing}: start this version of the service on it ` +
        'once (it applies them), stop it, then copy',
    );
  }
}

async function migrateEmptyTarget(pgUrl: string): Promise<void> {
  // No entities: their column types follow this process's DATABASE_URL, which may be SQLite.
  const ds = new DataSource({
    ...dataSourceOptions({ type: 'postgres', url: pgUrl }),
    entities: [],
  } as DataSourceOptions);
  await ds.initialize();
  try {
    const [{ n }] = await ds.query(
      `SELECT COUNT(*)::int AS n FROM information_schema.tables
        WHERE table_schema = current_schema()`,
    );
    if (n > 0) {
      throw new Error(
        `the PostgreSQL database is not empty (${n} tables): db:copy only fills an empty ` +
          'database (createdb a new one)',
      );
    }
    await ds.runMigrations({ transaction: 'all' });
  } finally {
    await ds.destroy();
  }
}

/** Every data table, each after the tables its foreign keys point to. */
export function copyOrder(source: SqliteDatabase): string[] {
  const tables = (
    source
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table'
          AND name NOT LIKE 'sqlite_%' AND name <> ? ORDER BY name`,
      )
      .all(MIGRATIONS_TABLE) as { name: string }[]
  ).map((r) => r.name);
  const parents = new Map(
    tables.map((t) => [
      t,
      new Set(
        (source.pragma(`foreign_key_list(${quote(t)})`) as { table: string }[])
          .map((fk) => fk.table)
          .filter((p) => p !== t),
      ),
    ]),
  );
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < tables.length) {
    const ready = tables.filter(
      (t) => !placed.has(t) && [...parents.get(t)!].every((p) => placed.has(p)),
    );
    if (!ready.length) {
      const left = tables.filter((t) => !placed.has(t));
      throw new Error(`foreign keys form a cycle between ${left.join(', ')}`);
    }
    for (const t of ready) {
      order.push(t);
      placed.add(t);
    }
  }
  return order;
}

/** Column → PostgreSQL type name (udt_name, e.g. int4, varchar, timestamptz, bool) per table. */
async function columnTypes(client: Client): Promise<Map<string, Map<string, string>>> {
  const { rows } = await client.query<{ table: string; column: string; type: string }>(
    `SELECT table_name AS table, column_name AS column, udt_name AS type
       FROM information_schema.columns WHERE table_schema = current_schema()`,
  );
  const byTable = new Map<string, Map<string, string>>();
  for (const r of rows) {
    if (!byTable.has(r.table)) byTable.set(r.table, new Map());
    byTable.get(r.table)!.set(r.column, r.type);
  }
  return byTable;
}

async function copyTable(
  source: SqliteDatabase,
  client: Client,
  table: string,
  targetColumns: Map<string, Map<string, string>>,
  batchSize: number,
  onProgress?: (p: CopyProgress) => void,
): Promise<number> {
  const target = targetColumns.get(table);
  if (!target) throw new Error(`table ${table} is in the SQLite file but not in PostgreSQL`);
  const columns = (source.pragma(`table_info(${quote(table)})`) as { name: string }[]).map(
    (c) => c.name,
  );
  const extra = columns.filter((c) => !target.has(c));
  const lacking = [...target.keys()].filter((c) => !columns.includes(c));
  if (extra.length || lacking.length) {
    throw new Error(
      `table ${table} differs between the databases (only in SQLite: ${extra.join(', ') || '-'}; ` +
        `only in PostgreSQL: ${lacking.join(', ') || '-'})`,
    );
  }
  const types = columns.map((c) => target.get(c)!);
  const total = Number(
    (source.prepare(`SELECT COUNT(*) AS n FROM ${quote(table)}`).get() as { n: number }).n,
  );
  const insert =
    `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) ` +
    `SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`;
  const hasRowid = columns.includes('id');
  const rows = source
    .prepare(
      `SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)}` +
        (hasRowid ? ' ORDER BY id' : ''),
    )
    .raw(true)
    .iterate() as IterableIterator<unknown[]>;
  let done = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (!batch.length) return;
    const arrays = columns.map((_, i) =>
      batch.map((row) => (types[i] === 'bool' && row[i] !== null ? row[i] === 1 : row[i])),
    );
    await client.query(insert, arrays);
    done += batch.length;
    batch = [];
    onProgress?.({ table, done, total });
  };
  onProgress?.({ table, done: 0, total });
  for (const row of rows) {
    batch.push(row);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return done;
}

/**
 * The partitioned history (migrations/1764300000000-partitioned-history.ts) has this month and the
 * coming ones: the copy's rows need every month back to the oldest of them.
 */
async function monthsOfHistory(source: SqliteDatabase, client: Client): Promise<void> {
  const { oldest } = source
    .prepare(
      `SELECT MIN(at) AS oldest FROM (SELECT MIN(recorded_at) AS at FROM deeds
         UNION ALL SELECT MIN(created_at) FROM ledger_entries UNION ALL SELECT MIN(at) FROM audit_events)`,
    )
    .get() as { oldest: string | null };
  if (oldest !== null) {
    await client.query(`SELECT ensure_month_partitions_since($1::timestamptz)`, [oldest]);
  }
}

async function setSequences(client: Client, tables: string[]): Promise<void> {
  for (const table of tables) {
    const { rows } = await client.query<{ seq: string | null }>(
      `SELECT pg_get_serial_sequence($1, 'id') AS seq`,
      [table],
    );
    const seq = rows[0]?.seq;
    if (!seq) continue;
    // is_called = false when empty: the first new row gets id 1.
    await client.query(
      `SELECT setval($1, COALESCE((SELECT MAX(id) FROM ${quote(table)}), 1),
                     (SELECT MAX(id) FROM ${quote(table)}) IS NOT NULL)`,
      [seq],
    );
  }
}

/** The copy is refused (and reported) unless both sides agree on every check. */
async function verify(
  source: SqliteDatabase,
  client: Client,
  copied: { name: string; rows: number }[],
  withIds: string[],
): Promise<void> {
  const problems: string[] = [];
  const pg = async (sql: string) => (await client.query(sql)).rows as Record<string, unknown>[];
  const lite = async (sql: string) => source.prepare(sql).all() as Record<string, unknown>[];
  for (const { name } of copied) {
    const [a] = await lite(`SELECT COUNT(*) AS n FROM ${quote(name)}`);
    const [b] = await pg(`SELECT COUNT(*) AS n FROM ${quote(name)}`);
    if (Number(a.n) !== Number(b.n)) {
      problems.push(`${name}: ${a.n} rows in SQLite, ${b.n} in PostgreSQL`);
    }
  }
  // The same balances and stock on both sides, not only self-consistent ones.
  const sums = `SELECT
      (SELECT COALESCE(SUM(delta), 0) FROM ledger_entries) AS ledger,
      (SELECT COALESCE(SUM(CAST(id AS BIGINT) * balance), 0) FROM villagers) AS balances,
      (SELECT COALESCE(SUM(CAST(id AS BIGINT) * stock), 0) FROM goods) AS stock`;
  const [a] = await lite(sums);
  const [b] = await pg(sums);
  for (const key of ['ledger', 'balances', 'stock']) {
    if (String(a[key]) !== String(b[key])) {
      problems.push(`${key} checksum: ${a[key]} in SQLite, ${b[key]} in PostgreSQL`);
    }
  }
  problems.push(...describeInvariantProblems(await checkInvariants(pg)));
  for (const name of withIds) {
    const [{ seq }] = await pg(`SELECT pg_get_serial_sequence('${name}', 'id') AS seq`);
    if (!seq) continue;
    const [{ behind }] = await pg(
      `SELECT (SELECT last_value FROM ${seq as string}) < COALESCE(MAX(id), 0) AS behind
         FROM ${quote(name)}`,
    );
    if (behind) problems.push(`${name}: id sequence is behind the copied ids`);
  }
  if (problems.length) throw new Error(`the copy did not verify: ${problems.join('; ')}`);
}
