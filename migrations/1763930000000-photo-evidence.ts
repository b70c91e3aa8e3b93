import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { ID_COLUMN } from './columns';

/**
 * Photo evidence (docs/product.md): photos kept in the database (several instances share them
 * without a shared disk), the photos a deed carries, and rules that require evidence — on for
 * every deduction already in the catalogue, as it is by default for new ones.
 *
 * Plain ALTER TABLE … ADD COLUMN on both databases (TypeORM's addColumn rebuilds a table on
 * SQLite and drops its triggers).
 */
export class PhotoEvidence1763930000000 implements MigrationInterface {
  name = 'PhotoEvidence1763930000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    await q.createTable(
      new Table({
        name: 'photos',
        columns: [
          ID_COLUMN,
          { name: 'village_id', type: 'integer' },
          { name: 'uploaded_by', type: 'integer' },
          { name: 'deed_id', type: 'integer', isNullable: true },
          { name: 'content_type', type: 'varchar', length: '20' },
          { name: 'width', type: 'integer' },
          { name: 'height', type: 'integer' },
          { name: 'size', type: 'integer' },
          { name: 'data', type: pg ? 'bytea' : 'blob' },
          { name: 'created_at', type: pg ? 'timestamptz' : 'datetime' },
        ],
        foreignKeys: [
          {
            columnNames: ['village_id'],
            referencedTableName: 'villages',
            referencedColumnNames: ['id'],
          },
          {
            columnNames: ['uploaded_by'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
          },
          { columnNames: ['deed_id'], referencedTableName: 'deeds', referencedColumnNames: ['id'] },
        ],
        indices: [
          new TableIndex({ columnNames: ['village_id'] }),
          new TableIndex({ columnNames: ['deed_id'] }),
        ],
      }),
    );
    await q.query(`ALTER TABLE deeds ADD COLUMN photo_ids text NOT NULL DEFAULT '[]'`);
    await q.query(
      `ALTER TABLE rules ADD COLUMN evidence_required boolean NOT NULL DEFAULT ${pg ? 'false' : '0'}`,
    );
    await q.query(`UPDATE rules SET evidence_required = ${pg ? 'true' : '1'} WHERE points < 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE rules DROP COLUMN evidence_required');
    await q.query('ALTER TABLE deeds DROP COLUMN photo_ids');
    await q.dropTable('photos');
  }
}
