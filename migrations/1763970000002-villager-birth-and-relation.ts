import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `villagers.birth_date` and `villagers.relation` (与户主关系), so that same-name members of one
 * household can be told apart at the counter; the birth date is filled in from the ID numbers
 * already on record.
 */
export class VillagerBirthAndRelation1763970000002 implements MigrationInterface {
  name = 'VillagerBirthAndRelation1763970000002';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    await q.query('ALTER TABLE villagers ADD COLUMN birth_date date');
    await q.query('ALTER TABLE villagers ADD COLUMN relation varchar(10)');
    const birth = `substr(id_number, 7, 4) || '-' || substr(id_number, 11, 2) || '-' || substr(id_number, 13, 2)`;
    await q.query(
      `UPDATE villagers SET birth_date = ${pg ? `CAST(${birth} AS date)` : birth} WHERE id_number IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE villagers DROP COLUMN relation');
    await q.query('ALTER TABLE villagers DROP COLUMN birth_date');
  }
}
