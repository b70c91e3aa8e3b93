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
    // Two pools on the one database: TypeORM's "master" for transactions and writes, a "slave"
    // for reads outside any transaction (Tx.read, Tx.query), so that reads never wait for a
    // connection behind the writers (README, Performance).
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
