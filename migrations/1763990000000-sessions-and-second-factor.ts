import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { ID_COLUMN } from './columns';

/**
 * Accounts an assessor signs off (docs/security.md): a password that must be changed at the first
 * login, server-side sessions (logout and the idle timeout end them), a second factor (TOTP) with
 * ten recovery codes. Existing accounts keep their passwords and need no change.
 */
export class SessionsAndSecondFactor1763990000000 implements MigrationInterface {
  name = 'SessionsAndSecondFactor1763990000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    const instant = pg ? 'timestamptz' : 'datetime';
    const userFk = {
      columnNames: ['user_id'],
      referencedTableName: 'users',
      referencedColumnNames: ['id'],
    };
    await q.query(
      `ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT ${pg ? 'false' : '0'}`,
    );
    await q.query('ALTER TABLE users ADD COLUMN mfa_secret varchar(64)');
    await q.query('ALTER TABLE users ADD COLUMN mfa_pending_secret varchar(64)');
    await q.query('ALTER TABLE users ADD COLUMN mfa_last_step integer');
    await q.createTable(
      new Table({
        name: 'sessions',
        columns: [
          ID_COLUMN,
          { name: 'user_id', type: 'integer' },
          { name: 'device', type: 'varchar', length: '80', isNullable: true },
          { name: 'address', type: 'varchar', length: '45', isNullable: true },
          { name: 'created_at', type: instant },
          { name: 'last_seen_at', type: instant },
          { name: 'mfa_pending', type: 'boolean', default: pg ? 'false' : '0' },
        ],
        foreignKeys: [userFk],
        indices: [new TableIndex({ name: 'sessions_user', columnNames: ['user_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'mfa_recovery_codes',
        columns: [
          ID_COLUMN,
          { name: 'user_id', type: 'integer' },
          { name: 'code_hash', type: 'varchar', length: '64' },
          { name: 'used_at', type: instant, isNullable: true },
        ],
        foreignKeys: [userFk],
        indices: [new TableIndex({ name: 'mfa_recovery_codes_user', columnNames: ['user_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE mfa_recovery_codes');
    await q.query('DROP TABLE sessions');
    for (const column of [
      'mfa_last_step',
      'mfa_pending_secret',
      'mfa_secret',
      'must_change_password',
    ]) {
      await q.query(`ALTER TABLE users DROP COLUMN ${column}`);
    }
  }
}
