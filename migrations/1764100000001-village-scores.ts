import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { ID_COLUMN } from './columns';

/**
 * Village scores (docs/product.md, "Village scores (积分换项目)"): the incidents a town records
 * against its villages' "zeros" (六零), and each town's published quarter, one row per town and
 * quarter holding the frozen ranking as JSON.
 */
export class VillageScores1764100000001 implements MigrationInterface {
  name = 'VillageScores1764100000001';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    const instant = pg ? 'timestamptz' : 'datetime';
    const users = { referencedTableName: 'users', referencedColumnNames: ['id'] };
    await q.createTable(
      new Table({
        name: 'incidents',
        columns: [
          ID_COLUMN,
          { name: 'village_id', type: 'integer' },
          { name: 'kind', type: 'varchar', length: '10' },
          { name: 'occurred_on', type: 'date' },
          { name: 'description', type: 'varchar', length: '500' },
          { name: 'recorded_by', type: 'integer' },
          { name: 'recorded_at', type: instant },
          { name: 'revoked_by', type: 'integer', isNullable: true },
          { name: 'revoked_at', type: instant, isNullable: true },
          { name: 'revoke_reason', type: 'varchar', length: '500', isNullable: true },
        ],
        foreignKeys: [
          {
            columnNames: ['village_id'],
            referencedTableName: 'villages',
            referencedColumnNames: ['id'],
          },
          { columnNames: ['recorded_by'], ...users },
          { columnNames: ['revoked_by'], ...users },
        ],
        indices: [new TableIndex({ columnNames: ['village_id', 'occurred_on'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'town_scores',
        columns: [
          ID_COLUMN,
          { name: 'town', type: 'varchar', length: '50' },
          { name: 'quarter', type: 'varchar', length: '7' },
          { name: 'revision', type: 'integer', default: 1 },
          { name: 'villages', type: 'text' },
          { name: 'published_by', type: 'integer' },
          { name: 'published_at', type: instant },
          { name: 'publicity_ends_at', type: instant },
        ],
        foreignKeys: [{ columnNames: ['published_by'], ...users }],
        indices: [new TableIndex({ columnNames: ['town', 'quarter'], isUnique: true })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('town_scores');
    await q.dropTable('incidents');
  }
}
