import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

const RETRYABLE_PG_CODES = new Set(['40001', '40P01']); // serialization failure, deadlock

/**
 * The one way to run a write that spans statements.
 *
 * SQLite through TypeORM shares one connection, so two overlapping `transaction()` calls would
 * interleave on it; here they queue and run one after another. Nesting is refused on both
 * databases: pass the EntityManager down instead. On PostgreSQL transactions run side by side and
 * correctness comes from constraints, conditional updates and row locks; a deadlock or
 * serialization failure is retried a few times.
 */
@Injectable()
export class Tx {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly inside = new AsyncLocalStorage<boolean>();
  readonly isSqlite: boolean;
  private queued = 0;

  /** SQLite: transactions waiting or running on the one connection (for the metrics). */
  get pending(): number {
    return this.queued;
  }

  constructor(private readonly dataSource: DataSource) {
    this.isSqlite = dataSource.options.type === 'better-sqlite3';
  }

  run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.inside.getStore()) {
      return Promise.reject(
        new Error('Nested transaction refused: pass the EntityManager down instead'),
      );
    }
    const once = () => this.inside.run(true, () => this.dataSource.transaction(work));
    if (!this.isSqlite) return this.withRetry(once);
    this.queued++;
    const result = this.queue.then(once, once).finally(() => this.queued--);
    this.queue = result.catch(() => undefined);
    return result;
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
