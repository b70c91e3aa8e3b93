import { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_RULES } from '../src/rules/default-catalogue';

/**
 * Ships the district's default rule catalogue with every fresh install. Plain SQL with the
 * table's own column names: a query builder on 'rules' would map to the entity and silently
 * drop the snake_case columns.
 */
export class DefaultRuleCatalogue1763900000001 implements MigrationInterface {
  name = 'DefaultRuleCatalogue1763900000001';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    for (const r of DEFAULT_RULES) {
      const [p1, p2, p3, p4, p5] = pg ? ['$1', '$2', '$3', '$4', '$5'] : ['?', '?', '?', '?', '?'];
      await q.query(
        `INSERT INTO rules (code, category, title, points, max_per_month, active, village_id)
         VALUES (${p1}, ${p2}, ${p3}, ${p4}, ${p5}, TRUE, NULL)`,
        [r.code, r.category, r.title, r.points, r.maxPerMonth],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const codes = DEFAULT_RULES.map((r) => `'${r.code}'`).join(', ');
    await q.query(`DELETE FROM rules WHERE code IN (${codes})`);
  }
}
