import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Dialect } from '../db/dialect';
import { EntityRows } from '../db/entity-rows';
import type { Villager } from '../villagers/villager.entity';
import { LedgerEntry } from './ledger-entry.entity';

/** The account of a villager as the ledger holds it. */
export type Account = Pick<Villager, 'id' | 'villageId' | 'status' | 'balance'>;

/** A balance after a move, and the village of the account. */
export interface Moved {
  balance: number;
  villageId: number;
}

/**
 * The ledger's SQL, and the only code that writes `villagers.balance` or `ledger_entries`: plain
 * statements of fixed text on the hot writes (a query builder per call was a measured part of
 * them, docs/performance.md). LedgerService says when; this says how.
 */
@Injectable()
export class LedgerRepository {
  constructor(
    private readonly dialect: Dialect,
    private readonly rows: EntityRows,
  ) {}

  /** The account, locked until the transaction ends (null when there is no such villager). */
  async lockAccount(em: EntityManager, villagerId: number): Promise<Account | null> {
    const [row] = await this.dialect.lockedRows<{
      id: number;
      village_id: number;
      status: Villager['status'];
      balance: number;
    }>(em, 'SELECT id, village_id, status, balance FROM villagers WHERE id = $1', [villagerId]);
    if (!row) return null;
    return {
      id: Number(row.id),
      villageId: Number(row.village_id),
      status: row.status,
      balance: Number(row.balance),
    };
  }

  /**
   * Adds `delta` to the balance when the balance lies within `min…max` before it, in one
   * conditional UPDATE … RETURNING; undefined when no row matched.
   */
  add(
    em: EntityManager,
    villagerId: number,
    delta: number,
    bounds: { min: number; max: number },
  ): Promise<Moved | undefined> {
    return this.move(
      em,
      'UPDATE villagers SET balance = balance + $1 WHERE id = $2 AND balance >= $3 AND balance <= $4',
      [delta, villagerId, bounds.min, bounds.max],
    );
  }

  /** Takes `amount` only if the balance covers it (the condition is in the UPDATE itself). */
  take(em: EntityManager, villagerId: number, amount: number): Promise<Moved | undefined> {
    return this.move(
      em,
      'UPDATE villagers SET balance = balance - $1 WHERE id = $2 AND balance >= $3',
      [amount, villagerId, amount],
    );
  }

  /** Appends an entry: insert, not save (append-only rows need no change detection or reload). */
  async append(em: EntityManager, entry: LedgerEntry): Promise<void> {
    await this.rows.insertRow(em, LedgerEntry, entry);
  }

  /** The new balance comes back from the row this transaction now holds: no second read. */
  private async move(
    em: EntityManager,
    update: string,
    params: number[],
  ): Promise<Moved | undefined> {
    const [row] = await this.dialect.returning<{ balance: number; village_id: number }>(
      em,
      `${update} RETURNING balance, village_id`,
      params,
    );
    return row && { balance: Number(row.balance), villageId: Number(row.village_id) };
  }
}
