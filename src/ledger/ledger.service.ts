import { Injectable } from '@nestjs/common';
import type { Caller } from '../common/auth.decorators';
import { notFound, refuse } from '../common/errors';
import { pageOf, skipTake, type Page, type PageQueryDto } from '../common/pagination';
import type { Ctx } from '../common/request-context';
import { Tx } from '../db/transaction';
import { Villager } from '../villagers/villager.entity';
import { VillagersService } from '../villagers/villagers.service';
import { ExpiryQuery, type Expiring } from './expiry';
import { LedgerEntry, type LedgerKind } from './ledger-entry.entity';
import { LedgerRepository, type Moved } from './ledger.repository';
import { PointsHistoryQuery, type ExplainedEntry } from './points-history.query';

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
  householdId: number | null;
  balance: number;
  /** Points that will expire, by the last day they can be spent (docs/product.md). */
  expiring: Expiring[];
  entries: Page<ExplainedEntry>;
}

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
    private readonly accounts: LedgerRepository,
    private readonly history: PointsHistoryQuery,
    private readonly expiry: ExpiryQuery,
    private readonly tx: Tx,
  ) {}

  /**
   * Locks the villager's account until the transaction ends, so checks such as a rule's monthly
   * cap cannot race; answers the villager as locked.
   */
  async lock(ctx: Ctx, villagerId: number): Promise<Villager> {
    const account = await this.accounts.lockAccount(ctx.em, villagerId);
    if (!account) throw notFound('Villager');
    return ctx.em.create(Villager, account);
  }

  /**
   * Posts `delta` whatever the balance: an award, a deduction, a reversal, a refund. The balance
   * may go below zero (a deduction, or revoking points already spent).
   */
  async credit(ctx: Ctx, source: EntrySource, delta: number): Promise<LedgerEntry> {
    if (!Number.isSafeInteger(delta) || delta === 0) {
      throw new Error(`ledger delta must be a non-zero integer: ${delta}`);
    }
    const moved = await this.accounts.add(ctx.em, source.villagerId, delta, {
      min: delta < 0 ? -MAX_POINTS - delta : -MAX_POINTS,
      max: MAX_POINTS - Math.max(delta, 0),
    });
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
        ? await this.accounts.take(ctx.em, source.villagerId, amount)
        : undefined;
    if (!moved) {
      if (await ctx.em.existsBy(Villager, { id: source.villagerId })) {
        throw refuse('INSUFFICIENT_POINTS', '积分余额不足 (not enough points)');
      }
      throw notFound('Villager');
    }
    return this.append(ctx, source, -amount, moved);
  }

  /**
   * Balance (one row) and the entries newest first, for the villager, their village's cadre or an
   * admin, each entry with its deed and the trail behind it (docs/product.md).
   */
  points(caller: Caller, villagerId: number, q: PageQueryDto): Promise<PointsResponse> {
    const { skip, take } = skipTake(q);
    // One snapshot: the balance and the entries agree even while a deed commits in between.
    return this.tx.readReplica(async (em) => {
      const { balance, householdId } = await this.villagers.findScoped(em, caller, villagerId);
      const { total, entries } = await this.history.page(em, villagerId, skip, take);
      const expiring = (await this.expiry.upcoming(em, [villagerId])).get(villagerId)!;
      return { villagerId, householdId, balance, expiring, entries: pageOf(entries, total, q) };
    });
  }

  private async append(
    ctx: Ctx,
    source: EntrySource,
    delta: number,
    moved: Moved,
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
    await this.accounts.append(ctx.em, entry);
    return entry;
  }
}
