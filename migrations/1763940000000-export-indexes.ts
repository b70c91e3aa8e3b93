import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * Exports read a village's ledger and a store's redemptions month by month, page by page: these
 * indexes let each page start where the last one ended instead of scanning the whole history.
 */
export class ExportIndexes1763940000000 implements MigrationInterface {
  name = 'ExportIndexes1763940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex(
      'ledger_entries',
      new TableIndex({ columnNames: ['village_id', 'created_at'] }),
    );
    await q.createIndex('redemptions', new TableIndex({ columnNames: ['store_id', 'created_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    const ledger = await q.getTable('ledger_entries');
    const redemptions = await q.getTable('redemptions');
    const find = (t: typeof ledger, cols: string[]) =>
      t!.indices.find((i) => i.columnNames.join() === cols.join())!;
    await q.dropIndex('redemptions', find(redemptions, ['store_id', 'created_at']));
    await q.dropIndex('ledger_entries', find(ledger, ['village_id', 'created_at']));
  }
}
