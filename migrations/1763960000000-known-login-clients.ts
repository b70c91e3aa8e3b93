import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * `known_clients`: the addresses and device cookies that logged each account in, exempt from the
 * account-wide login ceiling for 30 days (docs/security.md, "Logins").
 */
export class KnownLoginClients1763960000000 implements MigrationInterface {
  name = 'KnownLoginClients1763960000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    await q.createTable(
      new Table({
        name: 'known_clients',
        columns: [
          { name: 'username', type: 'varchar', length: '50', isPrimary: true },
          { name: 'client_key', type: 'varchar', length: '80', isPrimary: true },
          { name: 'last_login_at', type: pg ? 'timestamptz' : 'datetime' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE known_clients');
  }
}
