import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { forbidden, notFound, refuse } from '../common/errors';
import { pageOf, skipTake, type Page, type PageQueryDto } from '../common/pagination';
import { assertStoreStaff, defined, whereStore } from '../common/scope';
import { ctxOf, type Ctx } from '../common/request-context';
import { Tx } from '../db/transaction';
import { Village } from '../villages/village.entity';
import { stockBounds } from './basket';
import type {
  GoodsCreateDto,
  GoodsListQueryDto,
  GoodsUpdateDto,
  StockMovementCreateDto,
  StoreCreateDto,
  StoreListQueryDto,
  StoreResponseDto,
  StoreUpdateDto,
} from './store.dto';
import { StockRepository } from './stock.repository';
import { Goods, StockMovement, Store, StoreVillage, type StockReason } from './store.entity';

export interface StockChange {
  goodsId: number;
  delta: number;
  reason: StockReason;
  actorId: number;
  redemptionId?: number;
  note?: string | null;
  /** A sale: the goods must still be on sale at this unit price (checked in the same UPDATE). */
  soldAt?: number;
}

export type StockMovementResponse = StockMovement & { stockAfter: number };

@Injectable()
export class StoresService {
  constructor(
    @InjectRepository(Store) private readonly stores: Repository<Store>,
    @InjectRepository(Goods) private readonly goods: Repository<Goods>,
    @InjectRepository(StockMovement) private readonly movements: Repository<StockMovement>,
    private readonly tx: Tx,
    private readonly audit: AuditService,
    private readonly stock: StockRepository,
  ) {}

  // ── stores ──────────────────────────────────────────────────────────────────────────

  async create(caller: Caller, dto: StoreCreateDto): Promise<StoreResponseDto> {
    const store = await this.tx.run((em) => this.createIn(ctxOf(em, caller), dto));
    return this.toResponse(
      store,
      [...dto.villageIds].sort((a, b) => a - b),
    );
  }

  async createIn(ctx: Ctx, dto: StoreCreateDto): Promise<Store> {
    const { em } = ctx;
    await this.checkVillages(em, dto.villageIds);
    const saved = await em.save(em.create(Store, { name: dto.name }));
    await em.insert(
      StoreVillage,
      dto.villageIds.map((villageId) => ({ storeId: saved.id, villageId })),
    );
    await this.audit.created(ctx, 'store', saved.id, null, {
      ...saved,
      villageIds: [...dto.villageIds].sort((a, b) => a - b),
    });
    return saved;
  }

  /** Admin: every store; shopkeeper: their own; villager: the stores serving their village. */
  async list(caller: Caller, q: StoreListQueryDto): Promise<Page<StoreResponseDto>> {
    const qb = this.stores
      .createQueryBuilder('s')
      .orderBy('s.id', 'ASC')
      .skip(skipTake(q).skip)
      .take(q.pageSize);
    const serving = (param: string) =>
      `s.id IN (SELECT sv.store_id FROM store_villages sv WHERE sv.village_id = :${param})`;
    if (caller.role === 'shopkeeper') qb.andWhere('s.id = :own', { own: caller.storeId ?? -1 });
    if (caller.role === 'villager') qb.andWhere(serving('home'), { home: caller.villageId ?? -1 });
    if (q.villageId !== undefined) qb.andWhere(serving('villageId'), { villageId: q.villageId });
    const [rows, total] = await qb.getManyAndCount();
    const villages = await this.villagesOf(rows.map((s) => s.id));
    return pageOf(
      rows.map((s) => this.toResponse(s, villages.get(s.id) ?? [])),
      total,
      q,
    );
  }

  async get(caller: Caller, id: number): Promise<StoreResponseDto> {
    await this.assertReader(caller, id);
    const store = await this.stores.findOneBy({ id });
    if (!store) throw notFound('Store');
    return this.toResponse(store, (await this.villagesOf([id])).get(id) ?? []);
  }

  async update(caller: Caller, id: number, dto: StoreUpdateDto): Promise<StoreResponseDto> {
    const store = await this.tx.run((em) => this.updateIn(ctxOf(em, caller), id, dto));
    return this.toResponse(store, (await this.villagesOf([id])).get(id) ?? []);
  }

  async updateIn(ctx: Ctx, id: number, dto: StoreUpdateDto): Promise<Store> {
    const { em } = ctx;
    const store = await em.findOneBy(Store, { id });
    if (!store) throw notFound('Store');
    const villagesBefore = (await this.villagesOf([id], em)).get(id) ?? [];
    const before = { ...store, villageIds: villagesBefore };
    if (dto.villageIds) {
      await this.checkVillages(em, dto.villageIds);
      await em.delete(StoreVillage, { storeId: id });
      await em.insert(
        StoreVillage,
        dto.villageIds.map((villageId) => ({ storeId: id, villageId })),
      );
    }
    if (dto.name !== undefined) store.name = dto.name;
    const saved = await em.save(store);
    const villageIds = dto.villageIds ? [...dto.villageIds].sort((a, b) => a - b) : villagesBefore;
    await this.audit.updated(ctx, 'store', id, null, before, { ...saved, villageIds });
    return saved;
  }

  // ── goods ───────────────────────────────────────────────────────────────────────────

  createGoods(caller: Caller, storeId: number, dto: GoodsCreateDto): Promise<Goods> {
    return this.tx.run((em) => this.createGoodsIn(ctxOf(em, caller), storeId, dto));
  }

  async createGoodsIn(ctx: Ctx, storeId: number, dto: GoodsCreateDto): Promise<Goods> {
    const { em, caller } = ctx;
    assertStoreStaff(caller, storeId);
    if (!(await em.existsBy(Store, { id: storeId }))) throw notFound('Store');
    const goods = await em.save(
      em.create(Goods, {
        storeId,
        name: dto.name,
        pointsPrice: dto.pointsPrice,
        stock: 0,
        active: dto.active ?? true,
      }),
    );
    if (dto.stock) {
      await this.moveStock(ctx, [
        {
          goodsId: goods.id,
          delta: dto.stock,
          reason: 'restock',
          actorId: caller.id,
          note: '初始库存',
        },
      ]);
      goods.stock = dto.stock;
    }
    await this.audit.created(ctx, 'goods', goods.id, null, goods);
    return goods;
  }

  /** Villagers see only goods on sale; the store's own staff see everything. */
  async listGoods(caller: Caller, storeId: number, q: GoodsListQueryDto): Promise<Page<Goods>> {
    await this.assertReader(caller, storeId);
    if (!(await this.stores.existsBy({ id: storeId }))) throw notFound('Store');
    const active = caller.role === 'villager' ? true : q.active;
    const [items, total] = await this.goods.findAndCount({
      where: defined({ storeId, active }),
      order: { id: 'ASC' },
      ...skipTake(q),
    });
    return pageOf(items, total, q);
  }

  updateGoods(caller: Caller, id: number, dto: GoodsUpdateDto): Promise<Goods> {
    return this.tx.run((em) => this.updateGoodsIn(ctxOf(em, caller), id, dto));
  }

  async updateGoodsIn(ctx: Ctx, id: number, dto: GoodsUpdateDto): Promise<Goods> {
    const before = await this.findGoods(ctx.em, ctx.caller, id);
    // An UPDATE of the sent columns only: save() would write back every column it loaded, the
    // stock too, over a redemption that committed in between. defined(): a DTO instance carries
    // its absent fields as own undefined properties.
    const changes = defined(dto);
    if (Object.keys(changes).length) await ctx.em.update(Goods, { id }, changes);
    const saved = await ctx.em.findOneByOrFail(Goods, { id });
    await this.audit.updated(ctx, 'goods', id, null, before, saved);
    return saved;
  }

  // ── stock ───────────────────────────────────────────────────────────────────────────

  addStockMovement(
    caller: Caller,
    goodsId: number,
    dto: StockMovementCreateDto,
  ): Promise<StockMovementResponse> {
    if (dto.reason === 'restock' && dto.delta < 0) {
      const message = 'delta must be positive for a restock; use a correction to remove stock';
      return Promise.reject(new BadRequestException(message));
    }
    return this.tx.run((em) => this.addStockMovementIn(ctxOf(em, caller), goodsId, dto));
  }

  async addStockMovementIn(
    ctx: Ctx,
    goodsId: number,
    dto: StockMovementCreateDto,
  ): Promise<StockMovementResponse> {
    const { em, caller } = ctx;
    const before = await this.findGoods(em, caller, goodsId);
    const change = { ...dto, goodsId, actorId: caller.id, note: dto.note || null };
    const [movement] = await this.moveStock(ctx, [change]);
    const { stock } = await em.findOneByOrFail(Goods, { id: goodsId });
    await this.audit.record(ctx, {
      action: `goods.${dto.reason}`,
      entityType: 'goods',
      entityId: goodsId,
      villageId: null,
      before: { stock: before.stock },
      after: { stock },
      reason: dto.note || null,
    });
    return { ...movement, stockAfter: stock };
  }

  async listStockMovements(
    caller: Caller,
    goodsId: number,
    q: PageQueryDto,
  ): Promise<Page<StockMovement>> {
    await this.findGoods(this.goods.manager, caller, goodsId);
    const [items, total] = await this.movements.findAndCount({
      where: { goodsId },
      order: { id: 'DESC' },
      ...skipTake(q),
    });
    return pageOf(items, total, q);
  }

  /**
   * Moves stock and records one movement per change, inside the caller's transaction. Each
   * conditional UPDATE refuses, in the database, a level below zero (409 OUT_OF_STOCK) or past
   * the integer column, so concurrent redemptions cannot oversell. On PostgreSQL each UPDATE
   * holds its goods row until the transaction ends, so rows are taken in goodsId order (no two
   * transactions wait on each other crosswise) and the movements are written after, in one insert.
   */
  async moveStock(ctx: Ctx, changes: StockChange[]): Promise<StockMovement[]> {
    const { em } = ctx;
    for (const c of [...changes].sort((a, b) => a.goodsId - b.goodsId)) {
      const moved = await this.stock.add(em, c.goodsId, c.delta, stockBounds(c.delta), c.soldAt);
      if (!moved) await this.refuseStock(em, c);
    }
    const now = new Date();
    const movements = changes.map((c) =>
      em.create(StockMovement, {
        goodsId: c.goodsId,
        delta: c.delta,
        reason: c.reason,
        redemptionId: c.redemptionId ?? null,
        note: c.note ?? null,
        actorId: c.actorId,
        createdAt: now,
      }),
    );
    await this.stock.record(em, movements);
    return movements;
  }

  private async refuseStock(em: EntityManager, c: StockChange): Promise<never> {
    const goods = await em.findOneBy(Goods, { id: c.goodsId });
    if (!goods) throw notFound('Goods');
    if (c.soldAt !== undefined && !goods.active) {
      throw refuse('GOODS_INACTIVE', `${goods.name} 已下架 (goods ${goods.id} is not on sale)`);
    }
    if (c.soldAt !== undefined && goods.pointsPrice !== c.soldAt) {
      throw refuse(
        'PRICE_CHANGED',
        `${goods.name} 的价格已改为 ${goods.pointsPrice} 积分，请重新确认 (the price changed)`,
      );
    }
    throw c.delta < 0
      ? refuse(
          'OUT_OF_STOCK',
          `库存不足：${goods.name} 仅剩 ${goods.stock} (not enough stock of goods ${c.goodsId})`,
        )
      : refuse('STOCK_LIMIT', `库存数量超出上限 (stock of goods ${c.goodsId} would overflow)`);
  }

  // ── scope ───────────────────────────────────────────────────────────────────────────

  /** Reading a store: its staff, an admin, or a villager of a village it serves. */
  private async assertReader(caller: Caller, storeId: number): Promise<void> {
    if (caller.role !== 'villager') return assertStoreStaff(caller, storeId);
    const serves = await this.stores.manager.existsBy(StoreVillage, {
      storeId,
      villageId: caller.villageId ?? -1,
    });
    if (!serves) throw forbidden('This store does not serve your village');
  }

  /** Goods the caller may manage, or 404: another store's goods do not exist for them. */
  private async findGoods(em: EntityManager, caller: Caller, id: number): Promise<Goods> {
    const goods = await em.findOneBy(Goods, defined({ id, storeId: whereStore(caller) }));
    if (!goods) throw notFound('Goods');
    return goods;
  }

  private async checkVillages(em: EntityManager, villageIds: number[]): Promise<void> {
    const found = await em.find(Village, { select: { id: true }, where: { id: In(villageIds) } });
    const missing = villageIds.find((id) => !found.some((v) => v.id === id));
    if (missing !== undefined) throw notFound(`Village ${missing}`);
  }

  private async villagesOf(
    storeIds: number[],
    em: EntityManager = this.stores.manager,
  ): Promise<Map<number, number[]>> {
    const rows = storeIds.length
      ? await em.find(StoreVillage, {
          where: { storeId: In(storeIds) },
          order: { storeId: 'ASC', villageId: 'ASC' },
        })
      : [];
    const byStore = new Map<number, number[]>();
    for (const r of rows) byStore.set(r.storeId, [...(byStore.get(r.storeId) ?? []), r.villageId]);
    return byStore;
  }

  private toResponse(s: Store, villageIds: number[]): StoreResponseDto {
    return { id: s.id, name: s.name, villageIds, createdAt: s.createdAt };
  }
}
