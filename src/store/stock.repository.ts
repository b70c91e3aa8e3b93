import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Dialect } from '../db/dialect';
import { EntityRows } from '../db/entity-rows';
import { StockMovement } from './store.entity';

/**
 * The store's stock SQL, and the only code that writes `goods.stock` or `stock_movements`: plain
 * statements of fixed text (a query builder per line was a measured part of every redemption,
 * docs/performance.md). StoresService says when; this says how.
 */
@Injectable()
export class StockRepository {
  constructor(
    private readonly dialect: Dialect,
    private readonly rows: EntityRows,
  ) {}

  /**
   * Adds `delta` to the goods' stock when the stock lies within `min…max` before it and, for a
   * sale, the goods are still on sale at `soldAt` points: one conditional UPDATE, which on
   * PostgreSQL holds the row until the transaction ends. False when the condition failed.
   */
  async add(
    em: EntityManager,
    goodsId: number,
    delta: number,
    bounds: { min: number; max: number },
    soldAt?: number,
  ): Promise<boolean> {
    const sold = soldAt !== undefined;
    const moved = await this.dialect.returning<{ id: number }>(
      em,
      `UPDATE goods SET stock = stock + $1 WHERE id = $2 AND stock >= $3 AND stock <= $4${
        sold ? ' AND active = $5 AND points_price = $6' : ''
      } RETURNING id`,
      [delta, goodsId, bounds.min, bounds.max, ...(sold ? [true, soldAt] : [])],
    );
    return moved.length === 1;
  }

  /** Appends movements: insert, not save (append-only rows need no change detection or reload). */
  async record(em: EntityManager, movements: StockMovement[]): Promise<void> {
    for (const m of movements) await this.rows.insertRow(em, StockMovement, m);
  }
}
