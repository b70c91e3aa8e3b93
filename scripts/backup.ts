/**
 * `npm run backup`: a consistent snapshot of the SQLite database into BACKUP_DIR (./backups),
 * taken with SQLite's online backup API while the service keeps serving; keeps the newest
 * BACKUP_KEEP. Reads the same environment as the service (DATABASE_URL …).
 */
import { takeBackup } from '../src/backup/backup';
import { ConfigError, loadConfig } from '../src/config';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.database.type !== 'sqlite' || config.database.path === ':memory:') {
    throw new ConfigError(
      'backup copies the SQLite file; on PostgreSQL use pg_dump (docs/operations.md)',
    );
  }
  const r = await takeBackup(config.database.path, config.ops.backupDir, config.ops.backupKeep);
  console.log(`Backup written: ${r.file} (${(r.bytes / 1048576).toFixed(1)} MiB, ${r.ms} ms)`);
  for (const old of r.pruned) console.log(`Deleted old backup: ${old}`);
}

main().catch((err) => {
  console.error(`Backup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
