import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { ID_COLUMN } from './columns';

/**
 * The village groups' 企业微信 robots (docs/product.md, "Notices"): each village's webhook
 * address, and the outbox of messages for them.
 */
export class Wecom1764200000002 implements MigrationInterface {
  name = 'Wecom1764200000002';

  async up(q: QueryRunner): Promise<void> {
    const instant = q.connection.driver.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    await q.addColumn(
      'villages',
      new TableColumn({
        name: 'wecom_webhook_url',
        type: 'varchar',
        length: '300',
        isNullable: true,
      }),
    );
    await q.createTable(
      new Table({
        name: 'deliveries',
        columns: [
          ID_COLUMN,
          { name: 'village_id', type: 'integer' },
          { name: 'key', type: 'varchar', length: '120' },
          { name: 'kind', type: 'varchar', length: '10' },
          { name: 'message', type: 'text' },
          { name: 'status', type: 'varchar', length: '10', default: "'waiting'" },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'next_attempt_at', type: instant },
          { name: 'claimed_until', type: instant, isNullable: true },
          { name: 'last_error', type: 'varchar', length: '300', isNullable: true },
          { name: 'created_at', type: instant },
          { name: 'sent_at', type: instant, isNullable: true },
        ],
        foreignKeys: [
          {
            columnNames: ['village_id'],
            referencedTableName: 'villages',
            referencedColumnNames: ['id'],
          },
        ],
        indices: [
          new TableIndex({ columnNames: ['village_id', 'id'] }),
          new TableIndex({ columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ columnNames: ['key'], isUnique: true }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('deliveries');
    await q.dropColumn('villages', 'wecom_webhook_url');
  }
}
