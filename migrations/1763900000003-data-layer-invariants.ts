import { MigrationInterface, QueryRunner, TableCheck, TableColumn, TableIndex } from 'typeorm';
import { CHECKS } from '../src/db/checks';
import { createSqliteEvaluationTriggers } from './sqlite-triggers';

/**
 * Invariants in the schema: CHECK constraints on points, prices, stock and quantities; stock
 * movements append-only like the ledger; a published evaluation frozen (a correction publishes
 * a new revision, never an edit); and idempotency keys on deeds.
 */
export class DataLayerInvariants1763900000003 implements MigrationInterface {
  name = 'DataLayerInvariants1763900000003';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    const checks: [string, string[]][] = [
      ['rules', [CHECKS.points]],
      ['deeds', [CHECKS.points]],
      ['goods', [CHECKS.stock, CHECKS.pointsPrice]],
      ['redemption_items', [CHECKS.quantity, CHECKS.unitPrice]],
      ['redemptions', [CHECKS.total]],
    ];
    if (!pg) {
      // The first schema wrote SQLite's boolean defaults as `true`; TypeORM writes and expects `1`.
      for (const table of ['rules', 'goods']) {
        const active = (await q.getTable(table))!.findColumnByName('active')!;
        await q.changeColumn(table, active, new TableColumn({ ...active, default: 1 }));
      }
    }
    for (const [table, expressions] of checks) {
      // On SQLite each call rebuilds the table; TypeORM keeps its indexes and foreign keys.
      await q.createCheckConstraints(
        table,
        expressions.map((expression) => new TableCheck({ expression })),
      );
    }

    await q.addColumns('deeds', [
      new TableColumn({
        name: 'idempotency_key',
        type: 'varchar',
        length: '100',
        isNullable: true,
      }),
      new TableColumn({ name: 'request_hash', type: 'varchar', length: '64', isNullable: true }),
    ]);
    await q.createIndex(
      'deeds',
      new TableIndex({ columnNames: ['recorded_by', 'idempotency_key'], isUnique: true }),
    );

    if (pg) {
      await q.query(`
        CREATE FUNCTION refuse_change() RETURNS trigger AS $$
        BEGIN
          RAISE EXCEPTION '% rows cannot be changed: %', TG_TABLE_NAME, TG_ARGV[0];
        END;
        $$ LANGUAGE plpgsql`);
      await q.query(`
        CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
        FOR EACH ROW EXECUTE FUNCTION refuse_change('append-only')`);
      await q.query(`
        CREATE TRIGGER evaluations_published_frozen BEFORE UPDATE OR DELETE ON evaluations
        FOR EACH ROW WHEN (OLD.status <> 'draft') EXECUTE FUNCTION refuse_change('published')`);
    } else {
      for (const op of ['UPDATE', 'DELETE']) {
        await q.query(`
          CREATE TRIGGER stock_movements_no_${op.toLowerCase()} BEFORE ${op} ON stock_movements
          BEGIN SELECT RAISE(ABORT, 'stock movements are append-only'); END`);
      }
      await createSqliteEvaluationTriggers(q);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type === 'postgres') {
      await q.query('DROP TRIGGER evaluations_published_frozen ON evaluations');
      await q.query('DROP TRIGGER stock_movements_append_only ON stock_movements');
      await q.query('DROP FUNCTION refuse_change()');
    } else {
      for (const name of ['update', 'delete']) {
        await q.query(`DROP TRIGGER evaluations_published_no_${name}`);
        await q.query(`DROP TRIGGER stock_movements_no_${name}`);
      }
    }
    await q.dropIndex('deeds', 'IDX_8539a45c1c6d755444f699796f');
    await q.dropColumns('deeds', ['idempotency_key', 'request_hash']);
    // The CHECK constraints stay: the data they admit is a subset of what was admitted before.
  }
}
