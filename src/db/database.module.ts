import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';
import { Dialect } from './dialect';
import { EntityRows } from './entity-rows';
import { Partitions } from './partitions';
import { Replica } from './replica';
import { RateLimiter } from './rate-limit';
import { SqliteConnections } from './sqlite';
import { Tx } from './transaction';

/**
 * Applies pending migrations. On PostgreSQL several instances may start at once: an advisory
 * lock lets one migrate while the others wait, then find nothing left to do.
 */
async function migrated(ds: DataSource): Promise<DataSource> {
  if (ds.options.type !== 'postgres') {
    await ds.runMigrations({ transaction: 'all' });
    SqliteConnections.install(ds);
    return ds;
  }
  const lock = ds.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await ds.runMigrations({ transaction: 'all' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
  return ds;
}

const MIGRATION_LOCK = 727_001; // any constant shared by every instance

/** The data source (migrations applied at start), the transaction helper and the dialect, for every module. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => dataSourceOptions(config.database),
      dataSourceFactory: async (options) => migrated(await new DataSource(options!).initialize()),
    }),
  ],
  providers: [Tx, Dialect, EntityRows, RateLimiter, Partitions, Replica],
  exports: [Tx, Dialect, EntityRows, RateLimiter, Partitions, Replica],
})
export class DatabaseModule {}
