import { MigrationInterface, QueryRunner } from 'typeorm';
import { nameInitials } from '../src/villagers/name-initials';

/**
 * `villagers.name_initials`: the pinyin initials the cadre's search matches (zzh → 周祖辉),
 * filled in for the villagers already registered. Plain ADD COLUMN on both databases, so SQLite
 * does not rebuild the table.
 */
export class VillagerNameInitials1763950000000 implements MigrationInterface {
  name = 'VillagerNameInitials1763950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      "ALTER TABLE villagers ADD COLUMN name_initials varchar(101) NOT NULL DEFAULT ''",
    );
    const pg = q.connection.driver.options.type === 'postgres';
    const rows: { id: number; name: string }[] = await q.query('SELECT id, name FROM villagers');
    for (const { id, name } of rows) {
      await q.query(
        `UPDATE villagers SET name_initials = ${pg ? '$1' : '?'} WHERE id = ${pg ? '$2' : '?'}`,
        [nameInitials(name), id],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE villagers DROP COLUMN name_initials');
  }
}
