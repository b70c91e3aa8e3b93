import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * The district (docs/product.md, "Towns and the district"): a town account's town; the district's
 * points policy (积分清零) and the guard that posts each villager's expiry once per period.
 */
export class District1764100000000 implements MigrationInterface {
  name = 'District1764100000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    const instant = pg ? 'timestamptz' : 'datetime';
    await q.query('ALTER TABLE users ADD COLUMN town varchar(50)');
    await q.createTable(
      new Table({
        name: 'points_policy',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'policy', type: 'varchar', length: '20' },
          { name: 'months', type: 'integer', isNullable: true },
          { name: 'changed_at', type: instant },
          { name: 'changed_by', type: 'integer' },
          { name: 'last_run_on', type: 'date', isNullable: true },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'points_expiries',
        columns: [
          { name: 'villager_id', type: 'integer', isPrimary: true },
          { name: 'period', type: 'varchar', length: '12', isPrimary: true },
          { name: 'points', type: 'integer' },
          { name: 'entry_id', type: 'integer', isNullable: true },
          { name: 'created_at', type: instant },
        ],
        foreignKeys: [
          {
            columnNames: ['villager_id'],
            referencedTableName: 'villagers',
            referencedColumnNames: ['id'],
          },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE points_expiries');
    await q.query('DROP TABLE points_policy');
    await q.query('ALTER TABLE users DROP COLUMN town');
  }
}
