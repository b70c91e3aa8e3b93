import { getMetadataArgsStorage } from 'typeorm';
import type { ColumnType } from 'typeorm';
import type { DatabaseConfig } from '../config';

/**
 * A point in time. Entities declare it with this one name; `adaptColumnTypes` turns it into
 * each database's type (timestamptz on PostgreSQL, ISO text in a `datetime` column on SQLite)
 * from the validated config, just before a data source reads the entity metadata. BINARY
 * likewise.
 */
export const TIMESTAMP: ColumnType = 'timestamptz';

/** A timestamp as either database answers a raw query: a Date (PostgreSQL) or UTC text (SQLite). */
export function millis(value: Date | string): number {
  if (value instanceof Date) return value.getTime();
  return Date.parse(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`);
}

/** A COUNT or SUM as either database answers a raw query: a bigint string (PostgreSQL) or a number. */
export const int = (value: unknown): number => Number(value ?? 0);

/** Bytes (a photo): bytea on PostgreSQL, blob on SQLite. */
export const BINARY: ColumnType = 'bytea';

const PER_DATABASE: Record<DatabaseConfig['type'], Map<ColumnType, ColumnType>> = {
  postgres: new Map([
    [TIMESTAMP, 'timestamptz'],
    [BINARY, 'bytea'],
  ]),
  sqlite: new Map([
    [TIMESTAMP, 'datetime'],
    [BINARY, 'blob'],
  ]),
};

let portableColumns: { options: { type?: ColumnType }; portable: ColumnType }[] | undefined;

export function adaptColumnTypes(database: DatabaseConfig['type']): void {
  // Collected once, while every such column still carries its portable name.
  portableColumns ??= getMetadataArgsStorage()
    .columns.filter((c) => c.options.type === TIMESTAMP || c.options.type === BINARY)
    .map((c) => Object.assign(c, { portable: c.options.type! }));
  for (const column of portableColumns) {
    column.options.type = PER_DATABASE[database].get(column.portable);
  }
}
