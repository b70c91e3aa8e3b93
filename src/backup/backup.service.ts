import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { BackupResult, lastBackupAt, takeBackup } from './backup';

/**
 * The service's own backups, every BACKUP_INTERVAL_HOURS (off by default), into the same folder
 * and under the same names as `npm run backup`; and the time of the newest backup there for
 * GET /api/health. SQLite file databases only: PostgreSQL is backed up with its own tools.
 */
@Injectable()
export class BackupService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Backup');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<BackupResult | null> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The SQLite file a backup copies, or null when there is none (PostgreSQL, :memory:). */
  private get source(): string | null {
    const db = this.config.database;
    return db.type === 'sqlite' && db.path !== ':memory:' ? db.path : null;
  }

  onApplicationBootstrap(): void {
    const hours = this.config.ops.backupIntervalHours;
    if (!hours || !this.source) return;
    this.timer = setInterval(() => void this.backupNow(), hours * 3_600_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Takes one backup unless one is already under way; failures are logged, never thrown. */
  backupNow(): Promise<BackupResult | null> {
    const source = this.source;
    if (!source) return Promise.resolve(null);
    this.running ??= takeBackup(source, this.config.ops.backupDir, this.config.ops.backupKeep)
      .then((r) => {
        this.logger.log({ backup: r.file, bytes: r.bytes, ms: r.ms, pruned: r.pruned.length });
        return r;
      })
      .catch((err: unknown) => {
        this.logger.error(`Backup failed: ${err instanceof Error ? err.message : String(err)}`);
        return null;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  lastBackupAt(): Date | null {
    return this.source ? lastBackupAt(this.config.ops.backupDir) : null;
  }
}
