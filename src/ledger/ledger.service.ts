import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { notFound, refuse } from '../common/errors';
import { pageOf, skipTake, type Page, type PageQueryDto } from '../common/pagination';
import { Tx } from '../db/transaction';
import { Villager } from '../villagers/villager.entity';
import { VillagersService } from '../villagers/villagers.service';
import { LedgerEntry, type LedgerKind } from './ledger-entry.entity';

export interface PostEntry {
  villagerId: number;
  delta: number;
  kind: LedgerKind;
  actorId: number;
  deedId?: number;
  redemptionId?: number;
  note?: string;
}

export interface PointsResponse {
  villagerId: number;
  balance: number;
  entries: Page<LedgerEntry>;
}

@Injectable()
export class LedgerService {
  constructor(
    @InjectRepository(LedgerEntry) private readonly entries: Repository<LedgerEntry>,
    private readonly villagers: VillagersService,
    private readonly tx: Tx,
  ) {}

  /**
   * Locks the villager's row until the transaction ends (PostgreSQL; SQLite transactions are
   * already one at a time), so checks such as a rule's monthly cap cannot race.
   */
  async lockVillager(em: EntityManager, villagerId: number): Promise<Villager> {
    const qb = em
      .createQueryBuilder(Villager, 'v')
      .select(['v.id', 'v.villageId', 'v.status', 'v.balance'])
      .where('v.id = :villagerId', { villagerId });
    if (!this.tx.isSqlite) qb.setLock('pessimistic_write');
    const villager = await qb.getOne();
    if (!villager) throw notFound('Villager');
    return villager;
  }

  /**
   * Appends one entry and moves the cached balance by the same delta, inside the caller's
   * transaction. With `requireFunds` the balance may not go below zero: the conditional UPDATE
   * refuses it in the database (409 INSUFFICIENT_POINTS), so concurrent debits cannot overdraw.
   */
  async post(
    em: EntityManager,
    e: PostEntry,
    opts: { requireFunds?: boolean } = {},
  ): Promise<LedgerEntry> {
    if (!Number.isSafeInteger(e.delta)) {
      throw new Error(`ledger delta must be an integer: ${e.delta}`);
    }
    const moved = await this.moveBalance(em, e.villagerId, e.delta, opts.requireFunds ?? false);
    if (!moved) {
      if (opts.requireFunds && (await em.existsBy(Villager, { id: e.villagerId }))) {
        throw refuse('INSUFFICIENT_POINTS', '积分余额不足 (not enough points)');
      }
      throw notFound('Villager');
    }
    const entry = em.create(LedgerEntry, {
      villagerId: e.villagerId,
      villageId: moved.villageId,
      delta: e.delta,
      kind: e.kind,
      deedId: e.deedId ?? null,
      redemptionId: e.redemptionId ?? null,
      note: e.note ?? null,
      actorId: e.actorId,
      balanceAfter: moved.balance,
      createdAt: new Date(),
    });
    await em.insert(LedgerEntry, entry);
    return entry;
  }

  /**
   * One conditional UPDATE … RETURNING (both databases support it): the new balance comes back
   * from the row this transaction now holds, so no second read is needed. undefined when no row
   * matched (no such villager, or not enough points with `requireFunds`).
   */
  private async moveBalance(
    em: EntityManager,
    villagerId: number,
    delta: number,
    requireFunds: boolean,
  ): Promise<{ balance: number; villageId: number } | undefined> {
    const [p1, p2, p3] = this.tx.isSqlite ? ['?', '?', '?'] : ['$1', '$2', '$3'];
    const params = requireFunds ? [delta, villagerId, delta] : [delta, villagerId];
    const result: unknown[] = await em.query(
      `UPDATE villagers SET balance = balance + ${p1} WHERE id = ${p2}` +
        (requireFunds ? ` AND balance + ${p3} >= 0` : '') +
        ' RETURNING balance, village_id',
      params,
    );
    // PostgreSQL's driver answers an UPDATE with [rows, rowCount], SQLite's with the rows.
    const rows = (this.tx.isSqlite ? result : result[0]) as {
      balance: number;
      village_id: number;
    }[];
    return rows[0] && { balance: Number(rows[0].balance), villageId: Number(rows[0].village_id) };
  }

  /** Balance (one row) and the entries newest first, for the villager, their village's cadre or an admin. */
  async points(caller: Caller, villagerId: number, q: PageQueryDto): Promise<PointsResponse> {
    const villager = await this.villagers.findScoped(this.entries.manager, caller, villagerId);
    const [items, total] = await this.entries.findAndCount({
      where: { villagerId },
      order: { id: 'DESC' },
      ...skipTake(q),
    });
    return { villagerId, balance: villager.balance, entries: pageOf(items, total, q) };
  }
}
