import type { QueryRunner } from 'typeorm';

/**
 * SQLite: a published evaluation is frozen. SQLite drops a table's triggers when TypeORM rebuilds
 * the table (most ALTERs do), so a migration that changes `evaluations` calls this again.
 */
export async function createSqliteEvaluationTriggers(q: QueryRunner): Promise<void> {
  for (const op of ['UPDATE', 'DELETE']) {
    await q.query(`
      CREATE TRIGGER evaluations_published_no_${op.toLowerCase()} BEFORE ${op} ON evaluations
      WHEN OLD.status <> 'draft'
      BEGIN SELECT RAISE(ABORT, 'a published evaluation cannot be changed'); END`);
  }
}
