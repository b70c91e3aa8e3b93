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
    // Two pools on the one database, so that reads never wait for a connection behind the
    // writers' transactions (docs/performance.md): TypeORM's "master" for transactions and raw
    // queries, a "slave" for reads outside any transaction — find() and query builders (TypeORM
    // sends those there once replication is on), Tx.read and Tx.query.
    return {
      ...common,
      type: 'postgres',
      replication: { master: { url: database.url }, slaves: [{ url: database.url }] },
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
