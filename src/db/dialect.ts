import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { EntityTarget } from 'typeorm';

/**
 * What features need that the two databases spell differently. Feature code asks for these and
 * never asks which database it runs on.
 */
@Injectable()
export class Dialect {
  private readonly postgres: boolean;

  constructor(dataSource: DataSource) {
    this.postgres = dataSource.options.type === 'postgres';
  }

  /**
   * Holds the selected rows until the transaction ends, so checks made on them cannot race
   * (PostgreSQL: FOR UPDATE; SQLite's writer runs one transaction at a time already).
   */
  lockRows<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>): SelectQueryBuilder<T> {
    return this.postgres ? qb.setLock('pessimistic_write') : qb;
  }

  /**
   * Runs an `INSERT / UPDATE … RETURNING …` written with `$1, $2 …` placeholders (each used
   * once, in order) and answers the returned rows, empty when no row matched.
   */
  async returning<R>(em: EntityManager, sql: string, params: unknown[]): Promise<R[]> {
    if (this.postgres) {
      const result = (await em.query(sql, params)) as R[] | [R[], number];
      // TypeORM answers an UPDATE or DELETE with [rows, rowCount], an INSERT with the rows
      return /^\s*(UPDATE|DELETE)\b/i.test(sql) ? (result as [R[], number])[0] : (result as R[]);
    }
    const order = [...sql.matchAll(/\$(\d+)/g)].map((m) => params[Number(m[1]) - 1]);
    return (await em.query(this.placeholders(sql), order)) as R[];
  }

  /** SQL written with `$1, $2 …` (each used once, in order) as this database takes it. */
  placeholders(sql: string): string {
    return this.postgres ? sql : sql.replace(/\$\d+/g, '?');
  }

  /**
   * Inserts one row and answers its id, or null when a row with the same unique key is already
   * there. On PostgreSQL that row may belong to a concurrent transaction still running: ON
   * CONFLICT DO NOTHING waits for it and skips the insert if it committed, where a plain INSERT
   * would abort this transaction with a unique violation. SQLite's writer runs transactions one
   * at a time, so the caller's lookup earlier in the same transaction has seen any such row, and
   * a plain INSERT (which reports NOT NULL and CHECK failures, where OR IGNORE would hide them)
   * is right.
   */
  async insertUnlessPresent<T extends ObjectLiteral>(
    em: EntityManager,
    target: EntityTarget<T>,
    row: QueryDeepPartialEntity<T>,
  ): Promise<number | null> {
    const insert = em.createQueryBuilder().insert().into(target).values(row);
    if (this.postgres) insert.orIgnore();
    const result = await insert.execute();
    const id: unknown = result.identifiers[0]?.id;
    return typeof id === 'number' ? id : null;
  }
}
