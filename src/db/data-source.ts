import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './naming';
import { QueryLogger } from './query-logger';

/**
 * SQLite pragmas, applied on every open: the driver's WAL switch leaves `synchronous` at the
 * compiled-in NORMAL, which can lose the last acknowledged writes on power loss.
 */
export function prepareSqlite(db: { pragma(sql: string): unknown }): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
}

export function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: ['error'] as ('error' | 'warn')[],
    logger: new QueryLogger(),
    namingStrategy: new SnakeNamingStrategy(),
  };
  if (database.type === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: database.url,
      extra: { max: Number(process.env.DB_POOL_SIZE) || 10 },
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    prepareDatabase: prepareSqlite,
  };
}
