import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import type { AuditEvent } from '../audit/audit-event.entity';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { notFound, refuse } from '../common/errors';
import { pageOf, skipTake, type Page, type PageQueryDto } from '../common/pagination';
import type { Ctx } from '../common/request-context';
import { User } from '../auth/user.entity';
import { Dialect } from '../db/dialect';
import { Deed } from '../deeds/deed.entity';
import { Tx } from '../db/transaction';
import { Villager } from '../villagers/villager.entity';
import { VillagersService } from '../villagers/villagers.service';
import { LedgerEntry, type LedgerKind } from './ledger-entry.entity';

/** What an entry is for; the amount and who acts come separately. */
export interface EntrySource {
  villagerId: number;
  kind: LedgerKind;
  deedId?: number;
  redemptionId?: number;
  note?: string;
}

export interface PointsResponse {
  villagerId: number;
  balance: number;
  entries: Page<ExplainedEntry>;
}

/** An event of the trail with the account that acted, by name (who recorded, who reviewed). */
export type TrailEvent = AuditEvent & { actorName: string | null };

/** An entry with what explains it: its deed (rule, description, evidence, photos) and the trail. */
export type ExplainedEntry = LedgerEntry & { deed: Deed | null; trail: TrailEvent[] };

/** Points fit in the database's 32-bit integer columns on either side of zero. */
const MAX_POINTS = 2_147_483_647;

/**
 * The villager's points account: the one owner of `villagers.balance` and of the ledger. Every
 * change is an appended entry and the cached balance moved by the same amount, in the caller's
 * transaction, so the balance always equals the sum of the entries.
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly villagers: VillagersService,
    private readonly dialect: Dialect,
    private readonly tx: Tx,
    private readonly auditTrail: AuditService,
  ) {}

  /**
   * Locks the villager's account until the transaction ends, so checks such as a rule's monthly
   * cap cannot race; answers the villager as locked.
   */
  async lock(em: EntityManager, villagerId: number): Promise<Villager> {
    // plain SQL: a query builder per call was a measured part of the hot writes
    const [row] = await this.dialect.lockedRows<{
      id: number;
      village_id: number;
      status: Villager['status'];
      balance: number;
    }>(em, 'SELECT id, village_id, status, balance FROM villagers WHERE id = $1', [villagerId]);
    if (!row) throw notFound('Villager');
    return em.create(Villager, {
      id: Number(row.id),
      villageId: Number(row.village_id),
      status: row.status,
      balance: Number(row.balance),
    });
  }

  /**
   * Posts `delta` whatever the balance: an award, a deduction, a reversal, a refund. The balance
   * may go below zero (a deduction, or revoking points already spent).
   */
  async credit(ctx: Ctx, source: EntrySource, delta: number): Promise<LedgerEntry> {
    if (!Number.isSafeInteger(delta) || delta === 0) {
      throw new Error(`ledger delta must be a non-zero integer: ${delta}`);
    }
    const moved = await this.move(
      ctx.em,
      'UPDATE villagers SET balance = balance + $1 WHERE id = $2 AND balance >= $3 AND balance <= $4',
      [
        delta,
        source.villagerId,
        delta < 0 ? -MAX_POINTS - delta : -MAX_POINTS,
        MAX_POINTS - Math.max(delta, 0),
      ],
    );
    if (!moved) {
      if (await ctx.em.existsBy(Villager, { id: source.villagerId })) {
        throw refuse(
          'BALANCE_LIMIT',
          '积分超出可记录的范围 (the balance would leave the integer range)',
        );
      }
      throw notFound('Villager');
    }
    return this.append(ctx, source, delta, moved);
  }

  /**
   * Takes `amount` (> 0) only if the balance covers it: the condition is in the UPDATE itself
   * (`balance >= amount`, which cannot overflow), so concurrent debits cannot overdraw
   * (409 INSUFFICIENT_POINTS).
   */
  async debit(ctx: Ctx, source: EntrySource, amount: number): Promise<LedgerEntry> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      throw new Error(`ledger debit must be a positive integer: ${amount}`);
    }
    const moved =
      amount <= MAX_POINTS
        ? await this.move(
            ctx.em,
            'UPDATE villagers SET balance = balance - $1 WHERE id = $2 AND balance >= $3',
            [amount, source.villagerId, amount],
          )
        : undefined;
    if (!moved) {
      if (await ctx.em.existsBy(Villager, { id: source.villagerId })) {
        throw refuse('INSUFFICIENT_POINTS', '积分余额不足 (not enough points)');
      }
      throw notFound('Villager');
    }
    return this.append(ctx, source, -amount, moved);
  }

  /** Balance (one row) and the entries newest first, for the villager, their village's cadre or an admin. */
  points(caller: Caller, villagerId: number, q: PageQueryDto): Promise<PointsResponse> {
    // One snapshot: the balance and the entries agree even while a deed commits in between.
    return this.tx.read(async (em) => {
      const villager = await this.villagers.findScoped(em, caller, villagerId);
      const [items, total] = await em.findAndCount(LedgerEntry, {
        where: { villagerId },
        order: { id: 'DESC' },
        ...skipTake(q),
      });
      // the trail behind each entry: its deed's or redemption's events (PRODUCT §9)
      const trails = await this.auditTrail.trailOf(em, items);
      const deedIds = items.flatMap((e) => (e.deedId === null ? [] : [e.deedId]));
      const deeds = new Map(
        (deedIds.length ? await em.findBy(Deed, { id: In(deedIds) }) : []).map((d) => [d.id, d]),
      );
      const actorIds = [
        ...new Set(
          [...trails.values()].flat().flatMap((ev) => (ev.actorId === null ? [] : [ev.actorId])),
        ),
      ];
      const names = new Map(
        (actorIds.length
          ? await em.find(User, {
              select: { id: true, username: true },
              where: { id: In(actorIds) },
            })
          : []
        ).map((u) => [u.id, u.username]),
      );
      const explained = items.map((e) => ({
        ...e,
        deed: e.deedId === null ? null : (deeds.get(e.deedId) ?? null),
        trail: (
          trails.get(e.deedId !== null ? `deed:${e.deedId}` : `redemption:${e.redemptionId}`) ?? []
        ).map((ev) => ({
          ...ev,
          actorName: (ev.actorId !== null && names.get(ev.actorId)) || null,
        })),
      }));
      return { villagerId, balance: villager.balance, entries: pageOf(explained, total, q) };
    });
  }

  /**
   * One conditional UPDATE … RETURNING: the new balance comes back from the row this transaction
   * now holds, so no second read is needed. undefined when no row matched.
   */
  private async move(
    em: EntityManager,
    update: string,
    params: number[],
  ): Promise<{ balance: number; villageId: number } | undefined> {
    const [row] = await this.dialect.returning<{ balance: number; village_id: number }>(
      em,
      `${update} RETURNING balance, village_id`,
      params,
    );
    return row && { balance: Number(row.balance), villageId: Number(row.village_id) };
  }

  private async append(
    ctx: Ctx,
    source: EntrySource,
    delta: number,
    moved: { balance: number; villageId: number },
  ): Promise<LedgerEntry> {
    const entry = ctx.em.create(LedgerEntry, {
      villagerId: source.villagerId,
      villageId: moved.villageId,
      delta,
      kind: source.kind,
      deedId: source.deedId ?? null,
      redemptionId: source.redemptionId ?? null,
      note: source.note ?? null,
      actorId: ctx.caller.id,
      balanceAfter: moved.balance,
      createdAt: new Date(),
    });
    // insert, not save: append-only rows need no change detection or reload
    await this.dialect.insertRow(ctx.em, LedgerEntry, entry);
    return entry;
  }
}
