import { Injectable } from '@nestjs/common';
import {
  DataSource,
  EntityManager,
  ObjectLiteral,
  QueryFailedError,
  SelectQueryBuilder,
} from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { EntityTarget } from 'typeorm';

/**
 * Names of PostgreSQL's prepared statements by their SQL, for the whole process: pg refuses one
 * name for two texts on a connection, and every Dialect shares the pool's connections.
 */
const statementNames = new Map<string, string>();

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
   * The rows of a `SELECT` of rows by their key, written with `$1, $2 …` placeholders (each used
   * once, in order), held until the transaction ends like `lockRows`. A prepared statement.
   */
  lockedRows<R>(em: EntityManager, sql: string, params: unknown[]): Promise<R[]> {
    return this.byKey(em, this.postgres ? `${sql} FOR UPDATE` : sql, params);
  }

  /**
   * Runs an `INSERT`, or an `UPDATE` of rows by their key, `… RETURNING …`, written with
   * `$1, $2 …` placeholders (each used once, in order), and answers the returned rows, empty
   * when no row matched. A prepared statement.
   */
  returning<R>(em: EntityManager, sql: string, params: unknown[]): Promise<R[]> {
    return this.byKey(em, sql, params);
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
   * The select list of every column of an entity that TypeORM would read (not those marked
   * `select: false`), as `"alias"."column"`, for `hydrate`.
   */
  columnsOf(em: EntityManager, target: EntityTarget<ObjectLiteral>, alias: string): string {
    return em.connection
      .getMetadata(target)
      .columns.filter((c) => c.isSelect)
      .map((c) => `"${alias}"."${c.databaseName}"`)
      .join(', ');
  }

  /**
   * The entities matching `where`, a condition on the alias `t` written with `$1, $2 …`:
   * `find()` on a statement prepared once per condition, for reads on the hot paths (a query
   * builder per call was a measured share of them). Conditions are written in code, so the
   * cache of their SQL stays small.
   */
  async entities<T extends ObjectLiteral>(
    em: EntityManager,
    target: EntityTarget<T>,
    where: string,
    params: unknown[],
  ): Promise<T[]> {
    const rows = await this.select<Record<string, unknown>>(
      em,
      this.entitySql(em, target, where),
      params,
    );
    return rows.map((row) => this.hydrate(em, target, row));
  }

  /** One entity by its id, or null: `entities` on `t.id = $1`, a prepared statement. */
  async byId<T extends ObjectLiteral>(
    em: EntityManager,
    target: EntityTarget<T>,
    id: number,
  ): Promise<T | null> {
    const sql = this.entitySql(em, target, 't.id = $1');
    const [row] = await this.byKey<Record<string, unknown>>(em, sql, [id]);
    return row ? this.hydrate(em, target, row) : null;
  }

  private entitySql(em: EntityManager, target: EntityTarget<ObjectLiteral>, where: string): string {
    const meta = em.connection.getMetadata(target);
    const key = `${meta.tableName} ${where}`;
    let sql = this.entitySqlCache.get(key);
    if (sql === undefined) {
      sql = `SELECT ${this.columnsOf(em, target, 't')} FROM "${meta.tableName}" "t" WHERE ${where}`;
      this.entitySqlCache.set(key, sql);
    }
    return sql;
  }

  private readonly entitySqlCache = new Map<string, string>();

  /**
   * An entity from a row read with `columnsOf`, its values converted as TypeORM converts them
   * (dates, JSON, booleans, transformers): plain SQL on a hot read, without TypeORM's query
   * building and result mapping (docs/performance.md).
   */
  hydrate<T extends ObjectLiteral>(
    em: EntityManager,
    target: EntityTarget<T>,
    row: Record<string, unknown>,
  ): T {
    const meta = em.connection.getMetadata(target);
    const driver = em.connection.driver;
    const entity = meta.create() as T;
    for (const c of meta.columns) {
      if (c.isSelect) c.setEntityValue(entity, driver.prepareHydratedValue(row[c.databaseName], c));
    }
    return entity;
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
    return this.insertRow(em, target, row as ObjectLiteral, this.postgres);
  }

  /**
   * Inserts one row of an entity and answers its new id (set on `row` too, as TypeORM's insert
   * does), or null when `ignoreConflict` and a row with the same unique key is there. The SQL is
   * built once per entity and set of columns and its statement reused: TypeORM's insert query
   * builder rebuilt it on every call, a measured part of the hot writes (docs/performance.md).
   * Values are converted as TypeORM converts them (dates, JSON, booleans, transformers).
   */
  async insertRow<T extends ObjectLiteral>(
    em: EntityManager,
    target: EntityTarget<T>,
    row: ObjectLiteral,
    ignoreConflict = false,
  ): Promise<number | null> {
    const meta = em.connection.getMetadata(target);
    if (meta.createDateColumn || meta.updateDateColumn || meta.versionColumn) {
      throw new Error(`insertRow: ${meta.tableName} has columns TypeORM fills itself`);
    }
    const generated = meta.primaryColumns.find((c) => c.isGenerated);
    const columns = meta.columns.filter(
      (c) => c !== generated && c.isInsert && c.getEntityValue(row) !== undefined,
    );
    const key = `${meta.tableName} ${ignoreConflict} ${columns.map((c) => c.databaseName).join()}`;
    let sql = this.insertSql.get(key);
    if (sql === undefined) {
      const names = columns.map((c) => `"${c.databaseName}"`).join(', ');
      const values = columns.map((_, i) => (this.postgres ? `$${i + 1}` : '?')).join(', ');
      sql = `INSERT INTO "${meta.tableName}" (${names}) VALUES (${values})`;
      if (this.postgres && ignoreConflict) sql += ' ON CONFLICT DO NOTHING';
      if (this.postgres && generated) sql += ` RETURNING "${generated.databaseName}"`;
      this.insertSql.set(key, sql);
    }
    const driver = em.connection.driver;
    const params = columns.map((c) => driver.preparePersistentValue(c.getEntityValue(row), c));
    const result: unknown = this.postgres
      ? await this.byKey(em, sql, params)
      : await em.query(sql, params);
    if (!generated) return null;
    // PostgreSQL answers the RETURNING rows; SQLite's runner answers the new rowid
    const id = this.postgres
      ? (result as Record<string, unknown>[])[0]?.[generated.databaseName]
      : result;
    if (id === undefined || id === null) return null;
    const value = Number(id);
    generated.setEntityValue(row, value);
    return value;
  }

  private readonly insertSql = new Map<string, string>();

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
  private async byKey<R>(em: EntityManager, sql: string, params: unknown[]): Promise<R[]> {
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
