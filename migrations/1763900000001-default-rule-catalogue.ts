import { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_RULES } from '../src/rules/default-catalogue';

/** Ships the district's default rule catalogue with every fresh install. */
export class DefaultRuleCatalogue1763900000001 implements MigrationInterface {
  name = 'DefaultRuleCatalogue1763900000001';

  async up(q: QueryRunner): Promise<void> {
    await q.manager
      .createQueryBuilder()
      .insert()
      .into('rules', [
        'code',
        'category',
        'title',
        'points',
        'max_per_month',
        'active',
        'village_id',
      ])
      .values(
        DEFAULT_RULES.map((r) => ({
          code: r.code,
          category: r.category,
          title: r.title,
          points: r.points,
          max_per_month: r.maxPerMonth,
          active: true,
          village_id: null,
        })),
      )
      .execute();
  }

  async down(q: QueryRunner): Promise<void> {
    await q.manager
      .createQueryBuilder()
      .delete()
      .from('rules')
      .where('code IN (:...codes)', { codes: DEFAULT_RULES.map((r) => r.code) })
      .execute();
  }
}
