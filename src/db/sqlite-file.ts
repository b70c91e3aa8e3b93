/**
 * Minimal typings for better-sqlite3 (no @types package is installed), for the operations code
 * that opens a database file directly rather than through TypeORM: backups, restore, db:copy.
 */
import { createRequire } from 'node:module';

const load = createRequire(__filename);

export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  raw(toggle?: boolean): SqliteStatement;
}

export interface BackupProgress {
  totalPages: number;
  remainingPages: number;
}

export interface SqliteDatabase {
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  backup(
    file: string,
    options?: { progress?: (p: BackupProgress) => number | undefined },
  ): Promise<BackupProgress>;
  close(): void;
}

export const SqliteFile = load('better-sqlite3') as new (
  file: string,
  options?: { readonly?: boolean; fileMustExist?: boolean },
) => SqliteDatabase;
