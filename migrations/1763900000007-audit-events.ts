import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { ID_COLUMN } from './columns';

/** The audit trail: one append-only event per record changed (docs/product.md). */
export class AuditEvents1763900000007 implements MigrationInterface {
  name = 'AuditEvents1763900000007';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    const str = (name: string, length: number, isNullable = false) => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable,
    });
    await q.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          ID_COLUMN,
          { name: 'at', type: pg ? 'timestamptz' : 'datetime' },
          { name: 'actor_id', type: 'integer', isNullable: true },
          str('role', 20, true),
          str('action', 40),
          str('entity_type', 20),
          { name: 'entity_id', type: 'integer' },
          { name: 'village_id', type: 'integer', isNullable: true },
          { name: 'changes', type: 'text' },
          str('reason', 500, true),
          str('request_id', 64, true),
        ],
        indices: [
          new TableIndex({ columnNames: ['village_id', 'id'] }),
          new TableIndex({ columnNames: ['entity_type', 'entity_id'] }),
          new TableIndex({ columnNames: ['actor_id', 'id'] }),
        ],
      }),
    );
    if (pg) {
      // refuse_change() comes from the data-layer migration
      await q.query(`
        CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION refuse_change('append-only')`);
    } else {
      for (const op of ['UPDATE', 'DELETE']) {
        await q.query(`
          CREATE TRIGGER audit_events_no_${op.toLowerCase()} BEFORE ${op} ON audit_events
          BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`);
      }
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('audit_events');
  }
}
