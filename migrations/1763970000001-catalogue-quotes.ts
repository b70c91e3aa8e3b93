import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The default catalogue's FAM-03 title in Chinese quotation marks (“好婆婆”“好媳妇”) instead of
 * ASCII ones, where an admin has not retitled it. Deeds keep the title they were recorded with.
 */
export class CatalogueQuotes1763970000001 implements MigrationInterface {
  name = 'CatalogueQuotes1763970000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE rules SET title = '评为“好婆婆”“好媳妇”' WHERE code = 'FAM-03' AND title = '评为"好婆婆""好媳妇"'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE rules SET title = '评为"好婆婆""好媳妇"' WHERE code = 'FAM-03' AND title = '评为“好婆婆”“好媳妇”'`,
    );
  }
}
