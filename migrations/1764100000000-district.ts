import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The district (docs/product.md, "Towns and the district"): a town account's town.
 */
export class District1764100000000 implements MigrationInterface {
  name = 'District1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users ADD COLUMN town varchar(50)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users DROP COLUMN town');
  }
}
