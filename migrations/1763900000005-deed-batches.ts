import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { ID_COLUMN } from './columns';

/** Bulk awards (批量记分) kept under their batch key, so a retried batch awards nothing twice. */
export class DeedBatches1763900000005 implements MigrationInterface {
  name = 'DeedBatches1763900000005';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    await q.createTable(
      new Table({
        name: 'deed_batches',
        columns: [
          ID_COLUMN,
          { name: 'recorded_by', type: 'integer' },
          { name: 'batch_key', type: 'varchar', length: '100' },
          { name: 'request_hash', type: 'varchar', length: '64' },
          { name: 'results', type: 'text', isNullable: true },
          { name: 'created_at', type: pg ? 'timestamptz' : 'datetime' },
        ],
        indices: [new TableIndex({ columnNames: ['recorded_by', 'batch_key'], isUnique: true })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('deed_batches');
  }
}
