import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger is append-only in the database itself: UPDATE and DELETE on ledger_entries fail,
 * whatever code (or person with a SQL console) tries them.
 */
export class AppendOnlyLedger1763900000002 implements MigrationInterface {
  name = 'AppendOnlyLedger1763900000002';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type === 'postgres') {
      await q.query(`
        CREATE FUNCTION ledger_entries_append_only() RETURNS trigger AS $$
        BEGIN
          RAISE EXCEPTION 'ledger entries are append-only';
        END;
        $$ LANGUAGE plpgsql`);
      await q.query(`
        CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
        FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()`);
    } else {
      for (const op of ['UPDATE', 'DELETE']) {
        await q.query(`
          CREATE TRIGGER ledger_entries_no_${op.toLowerCase()} BEFORE ${op} ON ledger_entries
          BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END`);
      }
    }
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type === 'postgres') {
      await q.query('DROP TRIGGER ledger_entries_append_only ON ledger_entries');
      await q.query('DROP FUNCTION ledger_entries_append_only()');
    } else {
      await q.query('DROP TRIGGER ledger_entries_no_update');
      await q.query('DROP TRIGGER ledger_entries_no_delete');
    }
  }
}
