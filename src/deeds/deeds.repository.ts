import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Dialect } from '../db/dialect';
import { EntityRows } from '../db/entity-rows';
import { DeedBatch } from './deed-batch.entity';
import { Deed } from './deed.entity';

/**
 * The deed SQL of the hot writes (record-deed, bulk award): plain statements of fixed text and
 * prepared rows (a query builder per call was a measured part of every record, docs/performance.md).
 * DeedsService says when; this says how. Everything else reads deeds through TypeORM's entity API.
 */
@Injectable()
export class DeedsRepository {
  constructor(
    private readonly dialect: Dialect,
    private readonly rows: EntityRows,
  ) {}

  /** Inserts the deed unless its (recordedBy, idempotencyKey) is taken: its id, or null. */
  insert(em: EntityManager, deed: QueryDeepPartialEntity<Deed>): Promise<number | null> {
    return this.rows.insertUnlessPresent(em, Deed, deed);
  }

  /** Claims a bulk batch's key: the batch's id, or null when another took the key. */
  claimBatch(em: EntityManager, batch: QueryDeepPartialEntity<DeedBatch>): Promise<number | null> {
    return this.rows.insertUnlessPresent(em, DeedBatch, batch);
  }

  /** The deed first made with this key, with its request hash (to tell a replay from reuse). */
  byKey(em: EntityManager, recordedBy: number, key: string): Promise<Deed | null> {
    return em
      .createQueryBuilder(Deed, 'd')
      .addSelect('d.requestHash')
      .where('d.recordedBy = :recordedBy AND d.idempotencyKey = :key', { recordedBy, key })
      .getOne();
  }

  /** Approved deeds of one villager under one rule in a month (the monthly cap). */
  async approvedInMonth(
    em: EntityManager,
    villagerId: number,
    ruleId: number,
    month: string,
  ): Promise<number> {
    const [{ n }] = await this.dialect.select<{ n: number | string }>(
      em,
      `SELECT COUNT(*) AS n FROM deeds
        WHERE villager_id = $1 AND rule_id = $2 AND month = $3 AND status = 'approved'`,
      [villagerId, ruleId, month],
    );
    return Number(n);
  }
}
