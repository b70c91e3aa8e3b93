import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL only (SQLite is unchanged): the three history tables that only grow — deeds,
 * ledger_entries and audit_events — become RANGE-partitioned by the month they were written in
 * (docs/architecture.md, "Partitioned history"). An existing database is converted in place,
 * inside the migrations' one transaction.
 *
 * - One partition per month, in the district's time zone as it is when this runs (TIME_ZONE,
 *   kept in the functions below so that a later change of setting never leaves a gap); no
 *   default partition. `ensure_month_partitions()` makes this month's and the next three, and
 *   the service calls it at start and every few hours (src/db/partitions.ts).
 * - A unique index on a partitioned table must contain the partition key, so the keys that span
 *   months live in two small unpartitioned tables, filled by the tables' own insert triggers:
 *   `deed_keys` (every deed's id, and its (recorded_by, idempotency_key)) — which the foreign
 *   keys to a deed now point at — and `ledger_entry_keys` ((deed_id, kind), (redemption_id, kind)).
 *   A deed whose idempotency key is taken is skipped, as the service's ON CONFLICT DO NOTHING
 *   skipped it; a second entry for a deed or redemption fails as it did.
 * - Append-only stays append-only: UPDATE and DELETE refused on ledger_entries and audit_events
 *   (their row triggers are cloned onto every partition) and TRUNCATE refused on the tables, on
 *   each partition and on the keys tables.
 */
export const PARTITIONED = [
  { table: 'deeds', key: 'recorded_at', appendOnly: false },
  { table: 'ledger_entries', key: 'created_at', appendOnly: true },
  { table: 'audit_events', key: 'at', appendOnly: true },
] as const;

/** Months made ahead of the current one. */
export const MONTHS_AHEAD = 3;

export class PartitionedHistory1764300000000 implements MigrationInterface {
  name = 'PartitionedHistory1764300000000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type !== 'postgres') return;
    const zone = process.env.TIME_ZONE || 'Asia/Shanghai';
    await q.query(`SELECT now() AT TIME ZONE $1`, [zone]); // an unknown zone fails here
    await createFunctions(q, zone);
    await createKeyTables(q);
    const set: Parts[] = [];
    for (const { table, key, appendOnly } of PARTITIONED) {
      set.push(await setAside(q, table, key, appendOnly));
    }
    await partitionsForRows(q);
    for (const p of set) await fill(q, p);
    for (const p of set) await q.query(`DROP TABLE ${p.table}_unpartitioned`);
    for (const fk of set.flatMap((p) => p.incoming)) {
      const [{ exists }] = (await q.query(
        `SELECT EXISTS (SELECT 1 FROM pg_constraint
                         WHERE conrelid = $1::regclass AND conname = $2) AS exists`,
        [fk.child, fk.name],
      )) as { exists: boolean }[];
      if (!exists) {
        await q.query(`ALTER TABLE ${fk.child} ADD CONSTRAINT "${fk.name}" ${toDeedKeys(fk.def)}`);
      }
    }
  }

  async down(): Promise<void> {
    throw new Error('partitioned history cannot be undone in place: restore a backup instead');
  }
}

async function createFunctions(q: QueryRunner, zone: string): Promise<void> {
  const z = zone.replace(/'/g, "''");
  const tables = PARTITIONED.map((p) => `('${p.table}', ${p.appendOnly})`).join(', ');
  await q.query(`
    CREATE FUNCTION create_month_partitions(first_month date, months int) RETURNS int AS $$
    DECLARE
      t record;
      m date;
      part text;
      made int := 0;
    BEGIN
      -- several instances may call this at once: one makes, the others find them made
      PERFORM pg_advisory_xact_lock(727002);
      FOR t IN SELECT * FROM (VALUES ${tables}) AS x(tbl, append_only) LOOP
        FOR i IN 0 .. months - 1 LOOP
          m := (date_trunc('month', first_month) + make_interval(months => i))::date;
          part := t.tbl || '_' || to_char(m, 'YYYY_MM');
          CONTINUE WHEN to_regclass(part) IS NOT NULL;
          EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
            part, t.tbl, m::timestamp AT TIME ZONE '${z}',
            (m + interval '1 month')::timestamp AT TIME ZONE '${z}');
          IF t.append_only THEN
            EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I '
              'FOR EACH STATEMENT EXECUTE FUNCTION refuse_change(''append-only'')',
              part || '_no_truncate', part);
          END IF;
          made := made + 1;
        END LOOP;
      END LOOP;
      RETURN made;
    END;
    $$ LANGUAGE plpgsql`);
  await q.query(`
    CREATE FUNCTION ensure_month_partitions() RETURNS int AS $$
      SELECT create_month_partitions((now() AT TIME ZONE '${z}')::date, ${MONTHS_AHEAD + 1})
    $$ LANGUAGE sql`);
  await q.query(`
    CREATE FUNCTION month_of(at timestamptz) RETURNS date AS $$
      SELECT date_trunc('month', at AT TIME ZONE '${z}')::date
    $$ LANGUAGE sql IMMUTABLE`);
  // for rows written long ago (a conversion, db:copy): every month from theirs to the coming ones
  await q.query(`
    CREATE FUNCTION ensure_month_partitions_since(oldest timestamptz) RETURNS int AS $$
      SELECT create_month_partitions(first,
        (EXTRACT(YEAR FROM age(month_of(now()), first)) * 12
          + EXTRACT(MONTH FROM age(month_of(now()), first)))::int + ${MONTHS_AHEAD + 1})
        FROM (SELECT month_of(LEAST(now(), oldest)) AS first) f
    $$ LANGUAGE sql`);
}

async function createKeyTables(q: QueryRunner): Promise<void> {
  await q.query(`
    CREATE TABLE deed_keys (
      id integer PRIMARY KEY,
      recorded_by integer NOT NULL,
      idempotency_key varchar(100),
      CONSTRAINT deed_keys_idempotency UNIQUE (recorded_by, idempotency_key))`);
  await q.query(`
    CREATE FUNCTION deeds_claim_key() RETURNS trigger AS $$
    BEGIN
      INSERT INTO deed_keys (id, recorded_by, idempotency_key)
        VALUES (NEW.id, NEW.recorded_by, NEW.idempotency_key) ON CONFLICT DO NOTHING;
      IF NOT FOUND THEN
        RETURN NULL; -- the key is taken: the deed is not written (ON CONFLICT DO NOTHING)
      END IF;
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql`);
  await q.query(`
    CREATE TABLE ledger_entry_keys (
      entry_id integer PRIMARY KEY,
      kind varchar(12) NOT NULL,
      deed_id integer,
      redemption_id integer,
      CONSTRAINT ledger_entry_keys_deed UNIQUE (deed_id, kind),
      CONSTRAINT ledger_entry_keys_redemption UNIQUE (redemption_id, kind))`);
  await q.query(`
    CREATE FUNCTION ledger_entries_claim_key() RETURNS trigger AS $$
    BEGIN
      IF NEW.deed_id IS NOT NULL OR NEW.redemption_id IS NOT NULL THEN
        INSERT INTO ledger_entry_keys (entry_id, kind, deed_id, redemption_id)
          VALUES (NEW.id, NEW.kind, NEW.deed_id, NEW.redemption_id);
      END IF;
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql`);
  for (const keys of ['deed_keys', 'ledger_entry_keys']) {
    await q.query(`
      CREATE TRIGGER ${keys}_append_only BEFORE UPDATE OR DELETE ON ${keys}
      FOR EACH ROW EXECUTE FUNCTION refuse_change('append-only')`);
    await q.query(`
      CREATE TRIGGER ${keys}_no_truncate BEFORE TRUNCATE ON ${keys}
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('append-only')`);
  }
}

interface Parts {
  table: string;
  key: string;
  appendOnly: boolean;
  pk: string;
  indexes: { name: string; def: string }[];
  outgoing: { name: string; def: string }[];
  incoming: { child: string; name: string; def: string }[];
  triggers: { name: string; def: string }[];
}

/** Reads a table's keys, indexes and triggers, then sets it aside for its partitioned copy. */
async function setAside(q: QueryRunner, table: string, key: string, appendOnly: boolean) {
  const defs = async (sql: string) =>
    (await q.query(sql, [table])) as { name: string; def: string; child: string }[];
  const [{ name: pk }] = await defs(`
    SELECT conname AS name FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`);
  const parts: Parts = {
    table,
    key,
    appendOnly,
    pk,
    indexes: await defs(`
      SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
       WHERE x.indrelid = $1::regclass AND NOT x.indisprimary AND NOT x.indisunique`),
    outgoing: await defs(`
      SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE conrelid = $1::regclass AND contype = 'f'`),
    incoming: await defs(`
      SELECT conrelid::regclass::text AS child, conname AS name, pg_get_constraintdef(oid) AS def
        FROM pg_constraint WHERE confrelid = $1::regclass AND contype = 'f'`),
    triggers: await defs(`
      SELECT tgname AS name, pg_get_triggerdef(oid) AS def FROM pg_trigger
       WHERE tgrelid = $1::regclass AND NOT tgisinternal`),
  };
  // what names an index is dropped, so that the new table can take the names
  for (const fk of parts.incoming) {
    await q.query(`ALTER TABLE ${fk.child} DROP CONSTRAINT "${fk.name}"`);
  }
  for (const fk of parts.outgoing)
    await q.query(`ALTER TABLE ${table} DROP CONSTRAINT "${fk.name}"`);
  for (const ix of parts.indexes) await q.query(`DROP INDEX "${ix.name}"`);
  await q.query(`ALTER TABLE ${table} DROP CONSTRAINT "${pk}"`);
  await q.query(`ALTER TABLE ${table} RENAME TO ${table}_unpartitioned`);
  await q.query(`
    CREATE TABLE ${table} (LIKE ${table}_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (${key})`);
  await q.query(`ALTER SEQUENCE ${table}_id_seq OWNED BY ${table}.id`);
  return parts;
}

/** The months from the oldest row of any of the tables to MONTHS_AHEAD after this one. */
async function partitionsForRows(q: QueryRunner): Promise<void> {
  const oldest = PARTITIONED.map(
    ({ table, key }) => `(SELECT MIN(${key}) FROM ${table}_unpartitioned)`,
  ).join(', ');
  await q.query(`SELECT ensure_month_partitions_since(LEAST(${oldest}))`);
}

/** The rows copied (the keys tables filled by the triggers), then keys, indexes and triggers. */
async function fill(q: QueryRunner, p: Parts): Promise<void> {
  const { table, key } = p;
  if (table === 'deeds' || table === 'ledger_entries') {
    await q.query(`
      CREATE TRIGGER ${table}_claim_key BEFORE INSERT ON ${table}
      FOR EACH ROW EXECUTE FUNCTION ${table}_claim_key()`);
  }
  await q.query(`INSERT INTO ${table} SELECT * FROM ${table}_unpartitioned ORDER BY id`);
  await q.query(`ALTER TABLE ${table} ADD CONSTRAINT "${p.pk}" PRIMARY KEY (id, ${key})`);
  // the definitions were read before the rename: they name the new table
  for (const ix of p.indexes) await q.query(ix.def);
  for (const fk of p.outgoing) {
    await q.query(`ALTER TABLE ${table} ADD CONSTRAINT "${fk.name}" ${toDeedKeys(fk.def)}`);
  }
  for (const tg of p.triggers) await q.query(tg.def);
  if (p.appendOnly) {
    await q.query(`
      CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('append-only')`);
  }
}

/** A foreign key to a deed points at deed_keys, whose id is unique without the month. */
const toDeedKeys = (def: string) =>
  def.replace(/REFERENCES (public\.)?deeds\(id\)/, 'REFERENCES deed_keys(id)');
