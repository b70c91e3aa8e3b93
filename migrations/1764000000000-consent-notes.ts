import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 代办: a cadre files a deed or an objection for a villager who asked in person, and writes how
 * the person asked (docs/product.md, "Acting for a villager"). Nullable columns: adding them
 * rewrites no row on either database.
 */
export class ConsentNotes1764000000000 implements MigrationInterface {
  name = 'ConsentNotes1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE deeds ADD COLUMN consent_note varchar(200)');
    await q.query('ALTER TABLE objections ADD COLUMN consent_note varchar(200)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE objections DROP COLUMN consent_note');
    await q.query('ALTER TABLE deeds DROP COLUMN consent_note');
  }
}
