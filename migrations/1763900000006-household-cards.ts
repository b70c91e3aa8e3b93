import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { ID_COLUMN } from './columns';

/** Household QR cards (tokens kept hashed) and database-counted rate limits. */
export class HouseholdCards1763900000006 implements MigrationInterface {
  name = 'HouseholdCards1763900000006';

  async up(q: QueryRunner): Promise<void> {
    const ts = q.connection.driver.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    await q.createTable(
      new Table({
        name: 'household_cards',
        columns: [
          ID_COLUMN,
          { name: 'household_id', type: 'integer' },
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'issued_by', type: 'integer' },
          { name: 'issued_at', type: ts },
          { name: 'revoked_at', type: ts, isNullable: true },
        ],
        foreignKeys: [
          {
            columnNames: ['household_id'],
            referencedTableName: 'households',
            referencedColumnNames: ['id'],
          },
        ],
        indices: [
          new TableIndex({ columnNames: ['household_id'] }),
          new TableIndex({ columnNames: ['token_hash'], isUnique: true }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'rate_limits',
        columns: [
          { name: 'key', type: 'varchar', length: '100', isPrimary: true },
          { name: 'window_start', type: 'bigint', isPrimary: true },
          { name: 'hits', type: 'integer' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('rate_limits');
    await q.dropTable('household_cards');
  }
}
