import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { BackupService } from './backup/backup.service';
import { Public } from './common/auth.decorators';
import { Endpoint } from './common/api-docs';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly backups: BackupService,
  ) {}

  @Public()
  @Get()
  @Endpoint({
    summary: 'Liveness and database check',
    ok: {
      type: 'object',
      required: ['status', 'database'],
      properties: {
        status: { type: 'string', enum: ['ok'] },
        database: { type: 'string', enum: ['sqlite', 'postgres'] },
      },
    },
    errors: { 503: 'The database is unreachable' },
  })
  async health() {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new ServiceUnavailableException({
        statusCode: 503,
        status: 'error',
        message: 'Database unreachable',
      });
    }
    return {
      status: 'ok',
      database: this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite',
      /** Newest backup in BACKUP_DIR (SQLite); null when none, or on PostgreSQL. */
      lastBackup: this.backups.lastBackupAt()?.toISOString() ?? null,
    };
  }
}
