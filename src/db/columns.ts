import { getMetadataArgsStorage } from 'typeorm';
import type { ColumnType } from 'typeorm';
import type { DatabaseConfig } from '../config';

/**
 * A point in time. Entities declare it with this one name; `adaptColumnTypes` turns it into
 * each database's type (timestamptz on PostgreSQL, ISO text in a `datetime` column on SQLite)
 * from the validated config, just before a data source reads the entity metadata.
 */
export const TIMESTAMP: ColumnType = 'timestamptz';

const PER_DATABASE: Record<DatabaseConfig['type'], ColumnType> = {
  postgres: 'timestamptz',
  sqlite: 'datetime',
};

let timestampColumns: { options: { type?: ColumnType } }[] | undefined;

export function adaptColumnTypes(database: DatabaseConfig['type']): void {
  // Collected once, while every timestamp column still carries the portable name.
  timestampColumns ??= getMetadataArgsStorage().columns.filter((c) => c.options.type === TIMESTAMP);
  for (const column of timestampColumns) column.options.type = PER_DATABASE[database];
}
