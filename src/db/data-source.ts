import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config';
import { MIGRATIONS } from '../../migrations';
import { adaptColumnTypes } from './columns';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './naming';
import { QueryLogger } from './query-logger';
import { prepareSqlite, type SqliteWriterOptions } from './sqlite';

export function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  adaptColumnTypes(database.type);
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
      extra: { max: database.poolSize ?? 10 },
    };
  }
  const sqlite: DataSourceOptions & SqliteWriterOptions = {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    prepareDatabase: prepareSqlite,
    writerMaxBatch: database.maxBatch,
  };
  return sqlite;
}
