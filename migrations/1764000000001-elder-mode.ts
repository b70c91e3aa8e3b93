import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 长辈版 (docs/product.md, "Elder mode"): an account's own choice (null: not chosen), and a
 * village's default for its villagers' accounts.
 */
export class ElderMode1764000000001 implements MigrationInterface {
  name = 'ElderMode1764000000001';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    await q.query('ALTER TABLE users ADD COLUMN elder_mode boolean');
    await q.query(
      `ALTER TABLE villages ADD COLUMN elder_mode_default boolean NOT NULL DEFAULT ${pg ? 'false' : '0'}`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE villages DROP COLUMN elder_mode_default');
    await q.query('ALTER TABLE users DROP COLUMN elder_mode');
  }
}
