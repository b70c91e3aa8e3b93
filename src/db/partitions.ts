import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { repeat } from '../common/housekeeping';

/** Often enough that the three months made ahead can never run out between two checks. */
const CHECK_EVERY_MS = 6 * 3600_000;

/**
 * PostgreSQL's partitioned history (migrations/1764300000000-partitioned-history.ts): this
 * month's partitions and the next three's exist before any row needs them. Made at start, before
 * the service answers, and checked every six hours by every instance (the SQL function takes a
 * lock and makes only what is missing). SQLite has no partitions: nothing to do.
 */
@Injectable()
export class Partitions implements OnModuleInit, OnModuleDestroy {
  private stop?: () => void;

  constructor(private readonly dataSource: DataSource) {}

  /** At start (the migrations applied, nothing answered yet), then every six hours. */
  async onModuleInit(): Promise<void> {
    if (this.dataSource.options.type !== 'postgres') return;
    await this.ensure();
    this.stop = repeat('month partitions', CHECK_EVERY_MS, () => this.ensure());
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  /** Makes the months missing from now to three ahead: how many partitions it made. */
  async ensure(): Promise<number> {
    const [{ made }] = (await this.dataSource.query(
      'SELECT ensure_month_partitions() AS made',
    )) as { made: number }[];
    return Number(made);
  }
}
