/**
 * `npm run restore -- FILE`: replaces the SQLite database (DATABASE_URL) with a backup, after
 * checking the backup, and keeps the replaced file beside it. Refuses while a service has the
 * database open: stop every instance first.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { restoreBackup } from '../src/backup/backup';
import { ConfigError, loadConfig } from '../src/config';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new ConfigError('usage: npm run restore -- backups/civility-points-….sqlite');
  if (!existsSync(file)) throw new ConfigError(`${file} does not exist`);
  const config = loadConfig();
  if (config.database.type !== 'sqlite' || config.database.path === ':memory:') {
    throw new ConfigError('restore replaces the SQLite file; on PostgreSQL use pg_restore');
  }
  const { replaced } = await restoreBackup(resolve(file), config.database.path);
  console.log(`Restored ${file} to ${config.database.path}`);
  if (replaced) console.log(`The replaced database is kept as ${replaced}`);
}

main().catch((err) => {
  console.error(`Restore refused: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
