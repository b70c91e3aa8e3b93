import { Injectable } from '@nestjs/common';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Dialect } from './dialect';

/**
 * Entities read and written in plain SQL on the hot paths, converted as TypeORM converts them
 * (dates, JSON, booleans, transformers), with statements built once and reused: TypeORM's query
 * builders rebuilt them on every call, a measured share of the hot writes and the points history
 * (docs/performance.md). Everything else uses TypeORM's repositories.
 */
@Injectable()
export class EntityRows {
  constructor(private readonly dialect: Dialect) {}

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
    const rows = await this.dialect.select<Record<string, unknown>>(
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
    const [row] = await this.dialect.prepared<Record<string, unknown>>(em, sql, [id]);
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
    return this.insertRow(em, target, row as ObjectLiteral, this.dialect.postgres);
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
      const values = columns.map((_, i) => (this.dialect.postgres ? `$${i + 1}` : '?')).join(', ');
      sql = `INSERT INTO "${meta.tableName}" (${names}) VALUES (${values})`;
      if (this.dialect.postgres && ignoreConflict) sql += ' ON CONFLICT DO NOTHING';
      if (this.dialect.postgres && generated) sql += ` RETURNING "${generated.databaseName}"`;
      this.insertSql.set(key, sql);
    }
    const driver = em.connection.driver;
    const params = columns.map((c) => driver.preparePersistentValue(c.getEntityValue(row), c));
    const result: unknown = this.dialect.postgres
      ? await this.dialect.prepared(em, sql, params)
      : await em.query(sql, params);
    if (!generated) return null;
    // PostgreSQL answers the RETURNING rows; SQLite's runner answers the new rowid
    const id = this.dialect.postgres
      ? (result as Record<string, unknown>[])[0]?.[generated.databaseName]
      : result;
    if (id === undefined || id === null) return null;
    const value = Number(id);
    generated.setEntityValue(row, value);
    return value;
  }

  private readonly insertSql = new Map<string, string>();
}
