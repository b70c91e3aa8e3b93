import {
  MigrationInterface,
  QueryRunner,
  Table,
  TableColumn,
  TableColumnOptions,
  TableIndex,
} from 'typeorm';
import { ID_COLUMN } from './columns';
import { createSqliteEvaluationTriggers } from './sqlite-triggers';

/**
 * Publicity (公示) and objections (异议): a village's window length, evaluation revisions (a
 * correction publishes a new revision; earlier ones stay readable), the window's last day, and
 * the objections filed against a posted revision.
 */
export class PublicityObjections1763900000004 implements MigrationInterface {
  name = 'PublicityObjections1763900000004';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    const ts = pg ? 'timestamptz' : 'datetime';
    await q.addColumn(
      'villages',
      new TableColumn({ name: 'publicity_days', type: 'integer', default: 3 }),
    );

    const evaluations = (await q.getTable('evaluations'))!;
    const monthIndex = evaluations.indices.find(
      (i) => i.isUnique && i.columnNames.join() === 'village_id,month',
    )!;
    await q.dropIndex('evaluations', monthIndex);
    await q.addColumns('evaluations', [
      new TableColumn({ name: 'revision', type: 'integer', default: 1 }),
      new TableColumn({ name: 'publicity_ends_on', type: 'date', isNullable: true }),
    ]);
    await q.createIndex(
      'evaluations',
      new TableIndex({ columnNames: ['village_id', 'month', 'revision'], isUnique: true }),
    );
    // Months published before windows existed were final when published (publicity_ends_on null).
    // SQLite rebuilt the table for the new columns, and a table's triggers go with it.
    if (!pg) await createSqliteEvaluationTriggers(q);

    const int = (name: string, nullable = false): TableColumnOptions => ({
      name,
      type: 'integer',
      isNullable: nullable,
    });
    const str = (name: string, length: number, nullable = false): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable,
    });
    const fk = (column: string, referencedTableName: string) => ({
      columnNames: [column],
      referencedTableName,
      referencedColumnNames: ['id'],
    });
    await q.createTable(
      new Table({
        name: 'objections',
        columns: [
          ID_COLUMN,
          int('village_id'),
          str('month', 7),
          int('evaluation_id'),
          int('revision'),
          int('villager_id', true),
          int('filed_by'),
          str('filed_by_name', 50, true),
          int('deed_id', true),
          str('text', 500),
          str('status', 10),
          str('resolution', 500, true),
          int('resolved_by', true),
          { name: 'resolved_at', type: ts, isNullable: true },
          { name: 'created_at', type: ts },
        ],
        foreignKeys: [
          fk('village_id', 'villages'),
          fk('evaluation_id', 'evaluations'),
          fk('villager_id', 'villagers'),
          fk('deed_id', 'deeds'),
        ],
        indices: [
          new TableIndex({ columnNames: ['village_id', 'month'] }),
          new TableIndex({ columnNames: ['evaluation_id', 'status'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('objections');
    const evaluations = (await q.getTable('evaluations'))!;
    const revisionIndex = evaluations.indices.find((i) => i.columnNames.includes('revision'))!;
    await q.dropIndex('evaluations', revisionIndex);
    await q.dropColumns('evaluations', ['revision', 'publicity_ends_on']);
    await q.createIndex(
      'evaluations',
      new TableIndex({ columnNames: ['village_id', 'month'], isUnique: true }),
    );
    await q.dropColumn('villages', 'publicity_days');
  }
}
