import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

/**
 * A database error message without the values it quotes: PostgreSQL writes some of them into
 * the message (`invalid input syntax for type integer: "…"`, `value "…" is out of range`).
 */
export function redactDbMessage(message: string): string {
  return message.replace(/(: |value )"[^"]*"/g, '$1"…"');
}

/**
 * TypeORM's console logger prints a failed query with its parameters, which are ID numbers,
 * phones and names. This one logs the statement and the database's message only: enough to find
 * the bug, nothing about a person.
 */
export class QueryLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  logQuery(): void {}

  logQueryError(error: string | Error, query: string): void {
    const message = typeof error === 'string' ? error : error.message;
    this.logger.error(`query failed: ${redactDbMessage(message)} -- ${query}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${query}`);
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}
