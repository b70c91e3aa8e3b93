import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The online board's privacy (docs/product.md, "The board online"): per village, masked names,
 * the black list by count and three months online by default, and a display key for the village's
 * own screens; per villager, a recorded consent to their full name.
 */
export class BoardPrivacy1763980000000 implements MigrationInterface {
  name = 'BoardPrivacy1763980000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    await q.query(
      "ALTER TABLE villages ADD COLUMN board_names varchar(10) NOT NULL DEFAULT 'masked'",
    );
    await q.query(
      "ALTER TABLE villages ADD COLUMN board_black_list varchar(10) NOT NULL DEFAULT 'count'",
    );
    await q.query(
      'ALTER TABLE villages ADD COLUMN board_retention_months integer NOT NULL DEFAULT 3',
    );
    await q.query('ALTER TABLE villages ADD COLUMN display_key_hash varchar(64)');
    await q.query(
      `ALTER TABLE villagers ADD COLUMN board_consent boolean NOT NULL DEFAULT ${pg ? 'false' : '0'}`,
    );
    await q.query('ALTER TABLE villagers ADD COLUMN board_consent_by integer');
    await q.query(
      `ALTER TABLE villagers ADD COLUMN board_consent_at ${pg ? 'timestamptz' : 'datetime'}`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const column of ['board_consent_at', 'board_consent_by', 'board_consent']) {
      await q.query(`ALTER TABLE villagers DROP COLUMN ${column}`);
    }
    for (const column of [
      'display_key_hash',
      'board_retention_months',
      'board_black_list',
      'board_names',
    ]) {
      await q.query(`ALTER TABLE villages DROP COLUMN ${column}`);
    }
  }
}
