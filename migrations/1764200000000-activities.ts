import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { ID_COLUMN } from './columns';

/**
 * Activities and volunteer service (docs/product.md, "Activities"): the activity a cadre
 * publishes, and each villager's sign-up, check-in and credited hours.
 */
export class Activities1764200000000 implements MigrationInterface {
  name = 'Activities1764200000000';

  async up(q: QueryRunner): Promise<void> {
    const instant = q.connection.driver.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    const users = { referencedTableName: 'users', referencedColumnNames: ['id'] };
    await q.createTable(
      new Table({
        name: 'activities',
        columns: [
          ID_COLUMN,
          { name: 'village_id', type: 'integer' },
          { name: 'title', type: 'varchar', length: '100' },
          { name: 'rule_id', type: 'integer' },
          { name: 'starts_at', type: instant },
          { name: 'ends_at', type: instant },
          { name: 'place', type: 'varchar', length: '100' },
          { name: 'capacity', type: 'integer', isNullable: true },
          { name: 'hours_tenths', type: 'integer' },
          { name: 'status', type: 'varchar', length: '10', default: "'open'" },
          { name: 'checkin_token', type: 'varchar', length: '64' },
          { name: 'created_by', type: 'integer' },
          { name: 'created_at', type: instant },
          { name: 'closed_by', type: 'integer', isNullable: true },
          { name: 'closed_at', type: instant, isNullable: true },
          { name: 'results', type: 'text', isNullable: true },
          { name: 'cancelled_by', type: 'integer', isNullable: true },
          { name: 'cancelled_at', type: instant, isNullable: true },
          { name: 'cancel_reason', type: 'varchar', length: '500', isNullable: true },
        ],
        foreignKeys: [
          {
            columnNames: ['village_id'],
            referencedTableName: 'villages',
            referencedColumnNames: ['id'],
          },
          { columnNames: ['rule_id'], referencedTableName: 'rules', referencedColumnNames: ['id'] },
          { columnNames: ['created_by'], ...users },
          { columnNames: ['closed_by'], ...users },
          { columnNames: ['cancelled_by'], ...users },
        ],
        indices: [new TableIndex({ columnNames: ['village_id', 'starts_at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'activity_signups',
        columns: [
          ID_COLUMN,
          { name: 'activity_id', type: 'integer' },
          { name: 'villager_id', type: 'integer' },
          { name: 'signed_up_by', type: 'integer' },
          { name: 'signed_up_at', type: instant },
          { name: 'checked_in_at', type: instant, isNullable: true },
          { name: 'checked_in_by', type: 'integer', isNullable: true },
          { name: 'checked_in_via', type: 'varchar', length: '10', isNullable: true },
          { name: 'hours_tenths', type: 'integer', isNullable: true },
        ],
        foreignKeys: [
          {
            columnNames: ['activity_id'],
            referencedTableName: 'activities',
            referencedColumnNames: ['id'],
          },
          {
            columnNames: ['villager_id'],
            referencedTableName: 'villagers',
            referencedColumnNames: ['id'],
          },
          { columnNames: ['signed_up_by'], ...users },
          { columnNames: ['checked_in_by'], ...users },
        ],
        indices: [
          new TableIndex({ columnNames: ['activity_id', 'villager_id'], isUnique: true }),
          new TableIndex({ columnNames: ['villager_id'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('activity_signups');
    await q.dropTable('activities');
  }
}
