import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Optional } from '@nestjs/common';
import { DataSource, EntityManager, type QueryRunner } from 'typeorm';
import { Replica } from './replica';
import { sqliteConnectionsOf } from './sqlite';

const RETRYABLE_PG_CODES = new Set(['40001', '40P01']); // serialization failure, deadlock

/**
 * The one way to run a write that spans statements, and to read several statements as one
 * consistent picture.
 *
 * On SQLite the writer's connection takes transactions in arrival order, committed in groups
 * (one savepoint each, one COMMIT for the group, every caller answered after it), and reads
 * outside a transaction see only committed data (`src/db/sqlite.ts`). Nesting is refused on both
 * databases: pass the EntityManager down instead (the inner half of every write takes it). On
 * PostgreSQL transactions run side by side and correctness comes from constraints, conditional
 * updates and row locks; a deadlock or serialization failure is retried a few times.
 */
@Injectable()
export class Tx {
  private readonly inside = new AsyncLocalStorage<boolean>();

  /** SQLite: transactions and other writer jobs waiting or running (for the metrics). */
  get pending(): number {
    return sqliteConnectionsOf(this.dataSource)?.queue.depth ?? 0;
  }

  constructor(
    private readonly dataSource: DataSource,
    /** Absent where a test builds a Tx by hand: no replica then. */
    @Optional() private readonly replica?: Replica,
  ) {}

  /** SQLite: `observe` is told the size of every group of transactions committed (metrics). */
  observeBatches(observe: (size: number) => void): void {
    const sqlite = sqliteConnectionsOf(this.dataSource);
    if (sqlite) sqlite.queue.onBatch = observe;
  }

  run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.inside.getStore()) {
      return Promise.reject(
        new Error('Nested transaction refused: pass the EntityManager down instead'),
      );
    }
    const sqlite = sqliteConnectionsOf(this.dataSource);
    if (sqlite) {
      // one job of a group commit: its transaction is a savepoint in the group's (sqlite.ts)
      return sqlite.queue.group(() =>
        this.inside.run(true, () => sqlite.writer.manager.transaction(work)),
      );
    }
    return this.runOnPrimary(work);
  }

  private async runOnPrimary<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const done = await this.withRetry(() =>
      this.inside.run(true, () => this.dataSource.transaction(work)),
    );
    if (this.replica?.enabled) await this.replica.committed(this.dataSource);
    return done;
  }

  /**
   * Runs `work` inside the caller's transaction so that, if it throws, only its own writes are
   * undone (a SAVEPOINT) and the transaction goes on: one refused item of a batch.
   */
  savepoint<T>(em: EntityManager, work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (!em.queryRunner?.isTransactionActive) {
      return Promise.reject(new Error('A savepoint needs a transaction: call it inside tx.run'));
    }
    return em.transaction(work);
  }

  /**
   * Reads on one snapshot: every statement sees the database as of the same moment, with no
   * half-done transaction in it (PostgreSQL: a REPEATABLE READ transaction; SQLite: one read
   * transaction on the read connection).
   */
  read<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const sqlite = sqliteConnectionsOf(this.dataSource);
    if (sqlite) return sqlite.snapshot((runner) => work(runner.manager));
    return this.withRetry(() =>
      this.onReader((runner) => runner.manager.transaction('REPEATABLE READ', work)),
    );
  }

  /**
   * `read`, on the read replica when there is one (DATABASE_READ_URL) and it has replayed the
   * client's own latest write (src/db/replica.ts); else as `read`. For what may be a moment
   * behind everyone else's writes: public boards, dashboards, exports, histories.
   */
  async readReplica<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (!this.replica?.enabled) return this.read(work);
    return this.withRetry(async () => {
      const runner = await this.replica!.reader();
      if (!runner) return this.read(work);
      try {
        return await runner.manager.transaction('REPEATABLE READ', work);
      } finally {
        await runner.release();
      }
    });
  }

  /**
   * An entity manager outside any transaction for reads streamed over many statements (an
   * export's pages): the replica's as `readReplica` decides, else the primary's readers'.
   * Ask for it while serving the request, before the stream starts.
   */
  async readerManager(): Promise<EntityManager> {
    return (await this.replica?.manager()) ?? this.dataSource.manager;
  }

  /**
   * One read statement outside any transaction, its placeholders as this database takes them
   * (`Dialect.placeholders`). SQLite: on a read connection; PostgreSQL: on the readers' pool, so
   * that it never waits behind the writers' transactions for a connection. Inside `run` it would
   * not see the transaction's own writes, so it is refused there.
   */
  query<R>(sql: string, params: unknown[]): Promise<R[]> {
    if (this.inside.getStore()) {
      return Promise.reject(new Error('Tx.query inside a transaction: use its EntityManager'));
    }
    const sqlite = sqliteConnectionsOf(this.dataSource);
    // SQLite: straight to the read connection (or the writer's turn), no runner made per call
    if (sqlite) return sqlite.routeOutside(sql, params, false) as Promise<R[]>;
    return this.onReader((runner) => runner.query(sql, params) as Promise<R[]>);
  }

  /** PostgreSQL: `work` on a connection of the readers' pool (data-source.ts). */
  private async onReader<T>(work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner('slave');
    try {
      return await work(runner);
    } finally {
      await runner.release();
    }
  }

  private async withRetry<T>(once: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once();
      } catch (err) {
        const code = (err as { driverError?: { code?: string } }).driverError?.code;
        if (attempt >= 5 || !code || !RETRYABLE_PG_CODES.has(code)) throw err;
      }
    }
  }
}
