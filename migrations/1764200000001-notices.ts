import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { ID_COLUMN } from './columns';

/** The notice centre (docs/product.md, "Notices"): notices, and which account read which. */
export class Notices1764200000001 implements MigrationInterface {
  name = 'Notices1764200000001';

  async up(q: QueryRunner): Promise<void> {
    const instant = q.connection.driver.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    await q.createTable(
      new Table({
        name: 'notices',
        columns: [
          ID_COLUMN,
          { name: 'at', type: instant },
          { name: 'kind', type: 'varchar', length: '30' },
          { name: 'audience', type: 'varchar', length: '10' },
          { name: 'villager_id', type: 'integer', isNullable: true },
          { name: 'village_id', type: 'integer', isNullable: true },
          { name: 'title', type: 'varchar', length: '100' },
          { name: 'body', type: 'varchar', length: '1000' },
          { name: 'link', type: 'varchar', length: '200', isNullable: true },
          { name: 'key', type: 'varchar', length: '100', isNullable: true },
        ],
        foreignKeys: [
          {
            columnNames: ['villager_id'],
            referencedTableName: 'villagers',
            referencedColumnNames: ['id'],
          },
          {
            columnNames: ['village_id'],
            referencedTableName: 'villages',
            referencedColumnNames: ['id'],
          },
        ],
        indices: [
          new TableIndex({ columnNames: ['villager_id', 'id'] }),
          new TableIndex({ columnNames: ['village_id', 'audience', 'id'] }),
          new TableIndex({ columnNames: ['key'], isUnique: true }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'notice_reads',
        columns: [
          { name: 'notice_id', type: 'integer', isPrimary: true },
          { name: 'user_id', type: 'integer', isPrimary: true },
          { name: 'read_at', type: instant },
        ],
        foreignKeys: [
          {
            columnNames: ['notice_id'],
            referencedTableName: 'notices',
            referencedColumnNames: ['id'],
          },
          { columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'] },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('notice_reads');
    await q.dropTable('notices');
  }
}
