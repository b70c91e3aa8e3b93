import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `users.display_name`: the person's name (姓名) the screens show instead of the login; empty for
 * the accounts already there, which show their villager's name or their username until an admin
 * names them (docs/product.md, "Accounts").
 */
export class DisplayNames1763970000000 implements MigrationInterface {
  name = 'DisplayNames1763970000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users ADD COLUMN display_name varchar(50)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users DROP COLUMN display_name');
  }
}
