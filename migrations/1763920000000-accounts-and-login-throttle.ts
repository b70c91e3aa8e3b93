import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { ID_COLUMN } from './columns';

/**
 * Accounts that can be disabled and whose tokens can be revoked (`disabled`, `token_version`),
 * usernames unique regardless of case, failed logins counted per client address too, and the
 * daily count of ID-number conflicts answered to each user.
 *
 * Plain ALTER TABLE … ADD COLUMN on both databases: TypeORM's addColumn would rebuild the whole
 * users table on SQLite. The case-insensitive index fails if two usernames already differ only
 * in case; rename one of them first.
 */
export class AccountsAndLoginThrottle1763920000000 implements MigrationInterface {
  name = 'AccountsAndLoginThrottle1763920000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    await q.query(
      `ALTER TABLE users ADD COLUMN disabled boolean NOT NULL DEFAULT ${pg ? 'false' : '0'}`,
    );
    await q.query('ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0');
    await q.query('CREATE UNIQUE INDEX users_username_lower ON users (LOWER(username))');
    await q.query('ALTER TABLE login_failures ADD COLUMN ip varchar(45)');
    await q.query('CREATE INDEX login_failures_ip_failed_at ON login_failures (ip, failed_at)');
    await q.createTable(
      new Table({
        name: 'id_number_conflicts',
        columns: [
          ID_COLUMN,
          { name: 'user_id', type: 'integer' },
          { name: 'day', type: 'varchar', length: '10' },
          { name: 'at', type: pg ? 'timestamptz' : 'datetime' },
        ],
        foreignKeys: [
          { columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'] },
        ],
        indices: [
          new TableIndex({ name: 'id_number_conflicts_user_day', columnNames: ['user_id', 'day'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE id_number_conflicts');
    await q.query('DROP INDEX login_failures_ip_failed_at');
    await q.query('ALTER TABLE login_failures DROP COLUMN ip');
    await q.query('DROP INDEX users_username_lower');
    await q.query('ALTER TABLE users DROP COLUMN token_version');
    await q.query('ALTER TABLE users DROP COLUMN disabled');
  }
}
