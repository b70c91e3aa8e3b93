import { Injectable } from '@nestjs/common';
import {
  DataSource,
  EntityManager,
  ObjectLiteral,
  QueryFailedError,
  SelectQueryBuilder,
} from 'typeorm';

/**
 * Names of PostgreSQL's prepared statements by their SQL, for the whole process: pg refuses one
 * name for two texts on a connection, and every Dialect shares the pool's connections.
 */
const statementNames = new Map<string, string>();

/**
 * What features need that the two databases spell differently: placeholders, row locks, id lists
 * as one parameter, `RETURNING`, and PostgreSQL's prepared statements. Feature code asks for these
 * and never asks which database it runs on. Entities read and written in plain SQL on the hot
 * paths are EntityRows' (src/db/entity-rows.ts).
 */
@Injectable()
export class Dialect {
  /** PostgreSQL, where a conflicting insert must say ON CONFLICT DO NOTHING (EntityRows). */
  readonly postgres: boolean;

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
   * The rows of a `SELECT` of rows by their key, written with `$1, $2 …` placeholders (each used
   * once, in order), held until the transaction ends like `lockRows`. A prepared statement.
   */
  lockedRows<R>(em: EntityManager, sql: string, params: unknown[]): Promise<R[]> {
    return this.prepared(em, this.postgres ? `${sql} FOR UPDATE` : sql, params);
  }

  /**
   * Runs an `INSERT`, or an `UPDATE` of rows by their key, `… RETURNING …`, written with
   * `$1, $2 …` placeholders (each used once, in order), and answers the returned rows, empty
   * when no row matched. A prepared statement.
   */
  returning<R>(em: EntityManager, sql: string, params: unknown[]): Promise<R[]> {
    return this.prepared(em, sql, params);
  }

  /**
   * The rows of a `SELECT` written with `$1, $2 …` placeholders (a number may appear more than
   * once), as the driver answers them: column names as selected, values unconverted.
   */
  async select<R>(em: EntityManager, sql: string, params: unknown[]): Promise<R[]> {
    if (this.postgres) return (await em.query(sql, params)) as R[];
    const order = [...sql.matchAll(/\$(\d+)/g)].map((m) => params[Number(m[1]) - 1]);
    return (await em.query(this.placeholders(sql), order)) as R[];
  }

  /**
   * A list of ids as one parameter of fixed SQL text: `column IN ${idList('$1')}` with
   * `idsParam(ids)` as `$1`, so the statement's text is the same whatever the number of ids
   * (SQLite prepares it once).
   */
  idList(param: string): string {
    return this.postgres
      ? `(SELECT unnest(${param}::int[]))`
      : `(SELECT value FROM json_each(${param}))`;
  }

  /** The parameter for `idList`. */
  idsParam(ids: number[]): unknown {
    return this.postgres ? ids : JSON.stringify(ids);
  }

  /** SQL written with `$1, $2 …` (each used once, in order) as this database takes it. */
  placeholders(sql: string): string {
    return this.postgres ? sql : sql.replace(/\$\d+/g, '?');
  }

  /**
   * A statement whose best plan does not depend on the values (a row by its key, an INSERT),
   * written like `select`. PostgreSQL: a named prepared statement, parsed and planned once per
   * connection and then only bound and executed (pg's unnamed statements, which TypeORM's
   * `query` sends, are parsed and planned on every call: a measured share of the database's CPU
   * on the hot writes, docs/performance.md). Searches stay on `select`: after five executions
   * PostgreSQL may keep one generic plan for every value, which for a search over skewed data
   * (one village's month, a name) can be far worse than the plan for the values at hand.
   * Errors leave as TypeORM's QueryFailedError, logged as TypeORM logs them.
   */
  async prepared<R>(em: EntityManager, sql: string, params: unknown[]): Promise<R[]> {
    if (!this.postgres) return this.select<R>(em, sql, params);
    let name = statementNames.get(sql);
    if (name === undefined) statementNames.set(sql, (name = `cp${statementNames.size + 1}`));
    // the transaction's connection, or one of its own outside a transaction
    const own = em.queryRunner ? undefined : em.connection.createQueryRunner();
    const runner = (em.queryRunner ?? own)!;
    try {
      const client = (await runner.connect()) as {
        query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
      };
      return (
        await client.query({ name, text: sql, values: params }).catch((err: Error) => {
          runner.connection.logger.logQueryError(err, sql, params, runner);
          throw new QueryFailedError(sql, params, err);
        })
      ).rows;
    } finally {
      await own?.release();
    }
  }
}
