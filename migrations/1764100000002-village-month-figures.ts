import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * Each village's month as the dashboard shows it (docs/product.md, "The dashboard"), kept while
 * the village does not change: a cache, so the district's dashboard reads 150 rows, not a month
 * of every village's deeds and ledger entries.
 */
export class VillageMonthFigures1764100000002 implements MigrationInterface {
  name = 'VillageMonthFigures1764100000002';

  async up(q: QueryRunner): Promise<void> {
    const instant = q.connection.driver.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    await q.createTable(
      new Table({
        name: 'village_month_figures',
        columns: [
          { name: 'village_id', type: 'integer', isPrimary: true },
          { name: 'month', type: 'varchar', length: '7', isPrimary: true },
          { name: 'token', type: 'varchar', length: '40' },
          { name: 'figures', type: 'text' },
          { name: 'computed_at', type: instant },
        ],
        foreignKeys: [
          {
            columnNames: ['village_id'],
            referencedTableName: 'villages',
            referencedColumnNames: ['id'],
          },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE village_month_figures');
  }
}
