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
    const qb = em.createQueryBuilder(Villager, 'v').where('v.id = :villagerId', { villagerId });
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
    if (!Number.isSafeInteger(e.delta))
      throw new Error(`ledger delta must be an integer: ${e.delta}`);
    const update = em
      .createQueryBuilder()
      .update(Villager)
      .set({ balance: () => `balance + (${e.delta})` })
      .where('id = :id', { id: e.villagerId });
    if (opts.requireFunds) update.andWhere('balance + (:delta) >= 0', { delta: e.delta });
    const { affected } = await update.execute();
    if (affected !== 1) {
      if (opts.requireFunds && (await em.existsBy(Villager, { id: e.villagerId }))) {
        throw refuse('INSUFFICIENT_POINTS', '积分余额不足 (not enough points)');
      }
      throw notFound('Villager');
    }
    const { balance, villageId } = await em.findOneOrFail(Villager, {
      select: { balance: true, villageId: true },
      where: { id: e.villagerId },
    });
    return em.save(
      em.create(LedgerEntry, {
        villagerId: e.villagerId,
        villageId,
        delta: e.delta,
        kind: e.kind,
        deedId: e.deedId ?? null,
        redemptionId: e.redemptionId ?? null,
        note: e.note ?? null,
        actorId: e.actorId,
        balanceAfter: balance,
        createdAt: new Date(),
      }),
    );
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
