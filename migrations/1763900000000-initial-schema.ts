import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';

/**
 * The whole first schema, written with TypeORM's Table API so one migration serves SQLite and
 * PostgreSQL. Foreign keys are declared in the database, not only in code.
 */
export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    const ts = pg ? 'timestamptz' : 'datetime';
    const now = pg ? 'now()' : "datetime('now')";
    const id: TableColumnOptions = {
      name: 'id',
      type: 'integer',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    };
    const int = (name: string, nullable = false): TableColumnOptions => ({
      name,
      type: 'integer',
      isNullable: nullable,
    });
    const str = (name: string, length: number, nullable = false): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable,
    });
    const time = (name: string, nullable = false): TableColumnOptions => ({
      name,
      type: ts,
      isNullable: nullable,
    });
    const created: TableColumnOptions = { name: 'created_at', type: ts, default: now };
    const fk = (columnNames: string[], referencedTableName: string) => ({
      columnNames,
      referencedTableName,
      referencedColumnNames: ['id'],
    });
    const index = (columnNames: string[], isUnique = false) =>
      new TableIndex({ columnNames, isUnique });

    await q.createTable(
      new Table({
        name: 'villages',
        columns: [
          id,
          str('code', 32),
          str('name', 50),
          str('town', 50),
          { name: 'red_list_size', type: 'integer', default: 10 },
          created,
        ],
        indices: [index(['code'], true)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'households',
        columns: [
          id,
          int('village_id'),
          str('household_no', 32),
          str('head_name', 50),
          { ...str('group', 50), default: "''" },
          created,
        ],
        foreignKeys: [fk(['village_id'], 'villages')],
        indices: [index(['village_id', 'household_no'], true)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'villagers',
        columns: [
          id,
          int('village_id'),
          int('household_id', true),
          str('name', 50),
          str('id_number', 18, true),
          str('phone', 20, true),
          { ...str('status', 10), default: "'active'" },
          { name: 'balance', type: 'integer', default: 0 },
          created,
        ],
        foreignKeys: [fk(['village_id'], 'villages'), fk(['household_id'], 'households')],
        indices: [
          index(['village_id', 'name']),
          index(['household_id']),
          index(['id_number'], true),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'stores',
        columns: [id, str('name', 50), created],
      }),
    );
    await q.createTable(
      new Table({
        name: 'store_villages',
        columns: [
          { ...int('store_id'), isPrimary: true },
          { ...int('village_id'), isPrimary: true },
        ],
        foreignKeys: [fk(['store_id'], 'stores'), fk(['village_id'], 'villages')],
        indices: [index(['village_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'users',
        columns: [
          id,
          str('username', 50),
          str('password_hash', 100),
          str('role', 20),
          int('village_id', true),
          int('store_id', true),
          int('villager_id', true),
          created,
        ],
        foreignKeys: [
          fk(['village_id'], 'villages'),
          fk(['store_id'], 'stores'),
          fk(['villager_id'], 'villagers'),
        ],
        indices: [index(['username'], true)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'login_failures',
        columns: [id, str('username', 50), time('failed_at')],
        indices: [index(['username', 'failed_at'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'rules',
        columns: [
          id,
          str('code', 32),
          str('category', 20),
          str('title', 100),
          int('points'),
          int('max_per_month', true),
          { name: 'active', type: 'boolean', default: true },
          int('village_id', true),
          created,
          { name: 'updated_at', type: ts, default: now },
        ],
        foreignKeys: [fk(['village_id'], 'villages')],
        indices: [index(['code'], true), index(['village_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'deeds',
        columns: [
          id,
          int('village_id'),
          int('villager_id'),
          int('rule_id'),
          str('rule_title', 100),
          str('category', 20),
          int('points'),
          { name: 'occurred_on', type: 'date' },
          str('month', 7),
          str('description', 500),
          str('evidence', 1000, true),
          str('source', 12),
          str('status', 10),
          int('recorded_by'),
          time('recorded_at'),
          int('reviewed_by', true),
          time('reviewed_at', true),
          str('review_reason', 500, true),
          int('revoked_by', true),
          time('revoked_at', true),
          str('revoke_reason', 500, true),
        ],
        foreignKeys: [
          fk(['village_id'], 'villages'),
          fk(['villager_id'], 'villagers'),
          fk(['rule_id'], 'rules'),
        ],
        indices: [
          index(['village_id', 'month', 'status']),
          index(['villager_id', 'rule_id', 'month', 'status']),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'redemptions',
        columns: [
          id,
          int('store_id'),
          int('villager_id'),
          int('village_id'),
          int('total'),
          str('status', 10),
          str('idempotency_key', 100, true),
          str('request_hash', 64, true),
          int('operator_id'),
          time('created_at'),
          int('cancelled_by', true),
          time('cancelled_at', true),
          str('cancel_reason', 200, true),
        ],
        foreignKeys: [fk(['store_id'], 'stores'), fk(['villager_id'], 'villagers')],
        indices: [index(['store_id', 'idempotency_key'], true), index(['villager_id', 'id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'ledger_entries',
        columns: [
          id,
          int('villager_id'),
          int('village_id'),
          int('delta'),
          str('kind', 12),
          int('deed_id', true),
          int('redemption_id', true),
          int('balance_after'),
          str('note', 200, true),
          int('actor_id'),
          time('created_at'),
        ],
        foreignKeys: [
          fk(['villager_id'], 'villagers'),
          fk(['deed_id'], 'deeds'),
          fk(['redemption_id'], 'redemptions'),
        ],
        indices: [
          index(['villager_id', 'id']),
          index(['deed_id', 'kind'], true),
          index(['redemption_id', 'kind'], true),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'goods',
        columns: [
          id,
          int('store_id'),
          str('name', 50),
          int('points_price'),
          { name: 'stock', type: 'integer', default: 0 },
          { name: 'active', type: 'boolean', default: true },
          created,
        ],
        foreignKeys: [fk(['store_id'], 'stores')],
        indices: [index(['store_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'stock_movements',
        columns: [
          id,
          int('goods_id'),
          int('delta'),
          str('reason', 12),
          int('redemption_id', true),
          str('note', 200, true),
          int('actor_id'),
          time('created_at'),
        ],
        foreignKeys: [fk(['goods_id'], 'goods'), fk(['redemption_id'], 'redemptions')],
        indices: [index(['goods_id', 'id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'redemption_items',
        columns: [
          id,
          int('redemption_id'),
          int('goods_id'),
          str('goods_name', 50),
          int('quantity'),
          int('unit_price'),
        ],
        foreignKeys: [fk(['redemption_id'], 'redemptions'), fk(['goods_id'], 'goods')],
        indices: [index(['redemption_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'evaluations',
        columns: [
          id,
          int('village_id'),
          str('month', 7),
          str('status', 10),
          { name: 'result', type: 'text' },
          int('computed_by'),
          time('computed_at'),
          int('published_by', true),
          time('published_at', true),
        ],
        foreignKeys: [fk(['village_id'], 'villages')],
        indices: [index(['village_id', 'month'], true)],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'evaluations',
      'redemption_items',
      'stock_movements',
      'goods',
      'ledger_entries',
      'redemptions',
      'deeds',
      'rules',
      'login_failures',
      'users',
      'store_villages',
      'stores',
      'villagers',
      'households',
      'villages',
    ]) {
      await q.dropTable(table);
    }
  }
}
