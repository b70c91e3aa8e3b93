import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import type { Caller } from '../common/auth.decorators';
import { AuditService } from '../audit/audit.service';
import { forbidden, notFound, refuse } from '../common/errors';
import { keyOf, KeyTaken, once, type Keyed } from '../common/idempotency';
import { ctxOf, type Ctx } from '../common/request-context';
import { pageOf, skipTake, type Page } from '../common/pagination';
import { defined, whereVillager } from '../common/scope';
import { EntityRows } from '../db/entity-rows';
import { Tx } from '../db/transaction';
import { LedgerService } from '../ledger/ledger.service';
import { VillagersService } from '../villagers/villagers.service';
import { MAX_INT, priceLines } from './basket';
import { Redemption, RedemptionItem } from './redemption.entity';
import {
  canonicalRedemption,
  redemptionRequest,
  type RedemptionCancelDto,
  type RedemptionCreateDto,
  type RedemptionItemResponseDto,
  type RedemptionListQueryDto,
  type RedemptionRequest,
  type RedemptionResponseDto,
} from './store.dto';
import { Goods } from './store.entity';
import { StoresService } from './stores.service';

type ItemLine = Pick<RedemptionItem, 'goodsId' | 'goodsName' | 'quantity' | 'unitPrice'>;

export function toRedemptionResponse(r: Redemption, items: ItemLine[]): RedemptionResponseDto {
  return {
    id: r.id,
    storeId: r.storeId,
    villagerId: r.villagerId,
    villageId: r.villageId,
    total: r.total,
    status: r.status,
    items: items.map((i): RedemptionItemResponseDto => ({
      goodsId: i.goodsId,
      goodsName: i.goodsName,
      quantity: i.quantity,
      unitPrice: i.unitPrice,
      amount: i.unitPrice * i.quantity,
    })),
    operatorId: r.operatorId,
    createdAt: r.createdAt,
    idempotencyKey: r.idempotencyKey,
    cancelledBy: r.cancelledBy,
    cancelledAt: r.cancelledAt,
    cancelReason: r.cancelReason,
  };
}

@Injectable()
export class RedemptionsService {
  constructor(
    @InjectRepository(Redemption) private readonly redemptions: Repository<Redemption>,
    @InjectRepository(RedemptionItem) private readonly items: Repository<RedemptionItem>,
    private readonly ledger: LedgerService,
    private readonly villagers: VillagersService,
    private readonly stores: StoresService,
    private readonly tx: Tx,
    private readonly rows: EntityRows,
    private readonly auditTrail: AuditService,
  ) {}

  /**
   * One atomic step: the villager's balance is debited and every line's stock decremented by
   * conditional UPDATEs, or nothing changes. With an Idempotency-Key the unique index on
   * (store, key) decides which of several identical requests does the work; the others return
   * its redemption, on one instance or many.
   */
  async redeem(
    caller: Caller,
    dto: RedemptionCreateDto,
    key?: string,
  ): Promise<RedemptionResponseDto> {
    if (caller.storeId !== dto.storeId) throw forbidden('You may only redeem at your own store');
    const request = redemptionRequest(dto);
    const keyedRequest = keyOf(key, () => canonicalRedemption(request));
    return this.tx.run((em) =>
      once(
        keyedRequest,
        {
          find: (k) => this.byKey(em, dto.storeId, k),
          replay: async (r) => toRedemptionResponse(r, await this.itemsOf(em, [r.id])),
        },
        () => this.redeemIn(ctxOf(em, caller), request, keyedRequest),
      ),
    );
  }

  /** Refunds the points and restocks the goods, once: the status flip is conditional. */
  cancel(caller: Caller, id: number, dto: RedemptionCancelDto): Promise<RedemptionResponseDto> {
    return this.tx.run((em) => this.cancelIn(ctxOf(em, caller), id, dto));
  }

  async cancelIn(ctx: Ctx, id: number, dto: RedemptionCancelDto): Promise<RedemptionResponseDto> {
    const { em, caller } = ctx;
    const r = await this.findScoped(em, caller, id);
    const now = new Date();
    const { affected } = await em
      .createQueryBuilder()
      .update(Redemption)
      .set({
        status: 'cancelled',
        cancelledBy: caller.id,
        cancelledAt: now,
        cancelReason: dto.reason,
      })
      .where('id = :id AND status = :completed', { id, completed: 'completed' })
      .execute();
    if (affected !== 1) {
      throw refuse('ALREADY_CANCELLED', '该兑换已取消 (this redemption is already cancelled)');
    }
    const items = await this.itemsOf(em, [id]);
    // The villager's row, then goods rows in goodsId order: the lock order of a redemption.
    await this.ledger.credit(
      ctx,
      { villagerId: r.villagerId, kind: 'refund', redemptionId: id, note: dto.reason },
      r.total,
    );
    await this.stores.moveStock(
      ctx,
      items.map((item) => ({
        goodsId: item.goodsId,
        delta: item.quantity,
        reason: 'cancellation' as const,
        redemptionId: id,
        actorId: caller.id,
        note: dto.reason,
      })),
    );
    const before = { ...r };
    Object.assign(r, {
      status: 'cancelled',
      cancelledBy: caller.id,
      cancelledAt: now,
      cancelReason: dto.reason,
    });
    await this.auditTrail.record(ctx, {
      action: 'redemption.cancel',
      entityType: 'redemption',
      entityId: id,
      villageId: r.villageId,
      before,
      after: r,
      reason: dto.reason,
    });
    return toRedemptionResponse(r, items);
  }

  /** Admin: all; shopkeeper: their store's; villager: their own. Newest first. */
  async list(caller: Caller, q: RedemptionListQueryDto): Promise<Page<RedemptionResponseDto>> {
    let { storeId, villagerId } = q;
    if (caller.role === 'shopkeeper') {
      if (storeId !== undefined && storeId !== caller.storeId) {
        throw forbidden('You may only see your own store');
      }
      storeId = caller.storeId ?? -1;
    }
    if (caller.role === 'villager') {
      if (villagerId !== undefined && villagerId !== caller.villagerId) {
        throw forbidden('You may only see your own redemptions');
      }
      villagerId = caller.villagerId ?? -1;
    }
    const [rows, total] = await this.redemptions.findAndCount({
      where: defined({ storeId, villagerId, status: q.status }),
      order: { id: 'DESC' },
      ...skipTake(q),
    });
    const items = await this.itemsOf(
      this.redemptions.manager,
      rows.map((r) => r.id),
    );
    return pageOf(
      rows.map((r) =>
        toRedemptionResponse(
          r,
          items.filter((i) => i.redemptionId === r.id),
        ),
      ),
      total,
      q,
    );
  }

  async get(caller: Caller, id: number): Promise<RedemptionResponseDto> {
    const r = await this.findScoped(this.redemptions.manager, caller, id);
    return toRedemptionResponse(r, await this.itemsOf(this.redemptions.manager, [id]));
  }

  /**
   * The inner half of `redeem`, in the caller's transaction; with a key, its insert throws
   * KeyTaken when a concurrent request took the key first (`once` answers with the winner).
   */
  async redeemIn(
    ctx: Ctx,
    request: RedemptionRequest,
    keyed: Keyed | null,
  ): Promise<RedemptionResponseDto> {
    const { em, caller } = ctx;
    const { storeId, lines } = request;
    const found = await this.villagers.atStore(em, request.villagerId, storeId);
    if (!found) throw notFound('Villager');
    const { villager } = found;
    if (!found.served) {
      throw refuse(
        'VILLAGE_NOT_SERVED',
        "本超市不服务该村民所在的村 (this store does not serve the villager's village)",
      );
    }
    if (villager.status !== 'active') {
      throw refuse(
        'VILLAGER_NOT_ACTIVE',
        `该村民状态为 ${villager.status}，不能兑换 (only active villagers may redeem)`,
      );
    }
    const ids = lines.map((l) => l.goodsId);
    const goods = await this.rows.entities(
      em,
      Goods,
      `t.store_id = $1 AND t.id IN (${ids.map((_, i) => `$${i + 2}`).join(', ')})`,
      [storeId, ...ids],
    );
    const byId = new Map(goods.map((g) => [g.id, g]));
    const missing = lines.find((l) => !byId.has(l.goodsId));
    if (missing) throw notFound(`Goods ${missing.goodsId} in this store`);
    const inactive = goods.find((g) => !g.active);
    if (inactive) {
      throw refuse(
        'GOODS_INACTIVE',
        `${inactive.name} 已下架 (goods ${inactive.id} is not on sale)`,
      );
    }
    const priced = priceLines(lines, byId);
    // No balance fits in the integer column past MAX_INT, and the total column would overflow.
    if (priced.total > MAX_INT)
      throw refuse('INSUFFICIENT_POINTS', '积分余额不足 (not enough points)');

    const redemption = em.create(Redemption, {
      storeId,
      villagerId: villager.id,
      villageId: villager.villageId,
      total: priced.total,
      status: 'completed',
      idempotencyKey: keyed?.key ?? null,
      requestHash: keyed?.hash ?? null,
      operatorId: caller.id,
      createdAt: new Date(),
      cancelledBy: null,
      cancelledAt: null,
      cancelReason: null,
    });
    const id = await this.rows.insertUnlessPresent(em, Redemption, redemption);
    if (id === null) throw new KeyTaken();
    redemption.id = id;
    const items = priced.lines.map((l) => ({
      redemptionId: id,
      goodsId: l.goodsId,
      goodsName: l.goodsName,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
    }));
    for (const item of items) await this.rows.insertRow(em, RedemptionItem, item);
    // The rows other requests wait for come last, so they are held for as short a time as
    // possible: the villager's balance (one villager's requests), then the goods (everyone's).
    await this.ledger.debit(
      ctx,
      { villagerId: villager.id, kind: 'redemption', redemptionId: id },
      priced.total,
    );
    await this.stores.moveStock(
      ctx,
      priced.lines.map((l) => ({
        goodsId: l.goodsId,
        delta: -l.quantity,
        reason: 'redemption' as const,
        redemptionId: id,
        actorId: caller.id,
        // still on sale at the price charged, checked in the same conditional UPDATE
        soldAt: l.unitPrice,
      })),
    );
    await this.auditTrail.record(ctx, {
      action: 'redemption.redeem',
      entityType: 'redemption',
      entityId: id,
      villageId: redemption.villageId,
      after: { ...redemption, items: items.map((i) => `${i.goodsName} × ${i.quantity}`) },
    });
    return toRedemptionResponse(redemption, items);
  }

  private async byKey(em: EntityManager, storeId: number, key: string): Promise<Redemption | null> {
    const [found] = await this.rows.entities(
      em,
      Redemption,
      't.store_id = $1 AND t.idempotency_key = $2',
      [storeId, key],
    );
    return found ?? null;
  }

  private itemsOf(em: EntityManager, redemptionIds: number[]): Promise<RedemptionItem[]> {
    if (!redemptionIds.length) return Promise.resolve([]);
    return em.find(RedemptionItem, {
      where: { redemptionId: In(redemptionIds) },
      order: { id: 'ASC' },
    });
  }

  /** A redemption the caller may see, or 404: another store's or villager's does not exist for them. */
  private async findScoped(em: EntityManager, caller: Caller, id: number): Promise<Redemption> {
    const r = await em.findOneBy(
      Redemption,
      defined({
        id,
        storeId: caller.role === 'shopkeeper' ? (caller.storeId ?? -1) : undefined,
        villagerId: whereVillager(caller),
      }),
    );
    if (!r) throw notFound('Redemption');
    return r;
  }
}
