import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  NotEquals,
  ValidateNested,
} from 'class-validator';
import { IsId, IsIdList, IsIdQuery } from '../common/ids';
import { CodePointLength, NameText, Optional, QueryBool, Trim } from '../common/dto';
import { PageQueryDto } from '../common/pagination';
import { mergeLines, type RequestedLine } from './basket';
import type { RedemptionStatus } from './redemption.entity';

/** Upper bounds that keep every product of price and quantity far from integer overflow. */
export const MAX_PRICE = 1_000_000;
export const MAX_QUANTITY = 10_000;
export const MAX_STOCK_DELTA = 1_000_000;

// ── stores ──────────────────────────────────────────────────────────────────────────────

export class StoreCreateDto {
  @NameText(1, 50) name!: string;

  /** The villages whose villagers may redeem at this store. */
  @IsIdList()
  villageIds!: number[];
}

export class StoreUpdateDto {
  @Optional() @NameText(1, 50) name?: string;

  /** Replaces the whole set of villages served. */
  @Optional()
  @IsIdList()
  villageIds?: number[];
}

export class StoreListQueryDto extends PageQueryDto {
  /** Only stores serving this village. */
  @IsOptional() @IsIdQuery() villageId?: number;
}

export class StoreResponseDto {
  id!: number;
  name!: string;
  villageIds!: number[];
  createdAt!: Date;
}

// ── goods and stock ─────────────────────────────────────────────────────────────────────

export class GoodsCreateDto {
  @NameText(1, 50) name!: string;
  @IsInt() @Min(1) @Max(MAX_PRICE) pointsPrice!: number;
  /** Opening stock, recorded as a restock movement. */
  @Optional() @IsInt() @Min(0) @Max(MAX_STOCK_DELTA) stock?: number;
  @Optional() @IsBoolean() active?: boolean;
}

/** Stock is not here on purpose: it changes only through stock movements. */
export class GoodsUpdateDto {
  @Optional() @NameText(1, 50) name?: string;
  @Optional() @IsInt() @Min(1) @Max(MAX_PRICE) pointsPrice?: number;
  @Optional() @IsBoolean() active?: boolean;
}

export class GoodsListQueryDto extends PageQueryDto {
  @IsOptional() @QueryBool() @IsBoolean() active?: boolean;
}

/** The reasons a person may give; redemption and cancellation movements are written by the system. */
export const MANUAL_STOCK_REASONS = ['restock', 'correction'] as const;
export type ManualStockReason = (typeof MANUAL_STOCK_REASONS)[number];

export class StockMovementCreateDto {
  @ApiProperty({
    type: 'integer',
    minimum: -MAX_STOCK_DELTA,
    maximum: MAX_STOCK_DELTA,
    description: 'Positive adds, negative removes (never 0); a restock must add',
  })
  @IsInt()
  @NotEquals(0, { message: 'delta must not be zero' })
  @Min(-MAX_STOCK_DELTA)
  @Max(MAX_STOCK_DELTA)
  delta!: number;

  @ApiProperty({ enum: MANUAL_STOCK_REASONS })
  @IsIn(MANUAL_STOCK_REASONS)
  reason!: ManualStockReason;

  @IsOptional() @Trim() @IsString() @CodePointLength(0, 200) note?: string;
}

// ── redemptions ─────────────────────────────────────────────────────────────────────────

export class RedemptionLineDto {
  @IsId() goodsId!: number;
  @IsInt() @Min(1) @Max(MAX_QUANTITY) quantity!: number;
}

export class RedemptionCreateDto {
  @IsId() villagerId!: number;
  @IsId() storeId!: number;

  /** Repeated goods are merged into one line. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => RedemptionLineDto)
  items!: RedemptionLineDto[];
}

/** A redemption request with its lines merged: one line per goods, in goods order. */
export interface RedemptionRequest {
  villagerId: number;
  storeId: number;
  lines: RequestedLine[];
}

export function redemptionRequest(dto: RedemptionCreateDto): RedemptionRequest {
  return { villagerId: dto.villagerId, storeId: dto.storeId, lines: mergeLines(dto.items) };
}

/**
 * The request's canonical form: fixed key order, its merged lines. Two bodies that ask for the
 * same thing (`[{a,1},{a,1}]` and `[{a,2}]`, lines in any order) hash the same; any difference
 * in villager, store, goods or quantity does not.
 */
export function canonicalRedemption(r: RedemptionRequest): string {
  const items = r.lines.map((l) => [l.goodsId, l.quantity]);
  return JSON.stringify({ villagerId: r.villagerId, storeId: r.storeId, items });
}

export class RedemptionCancelDto {
  @Trim() @IsString() @CodePointLength(1, 200) reason!: string;
}

export const REDEMPTION_STATUSES = ['completed', 'cancelled'] as const;

export class RedemptionListQueryDto extends PageQueryDto {
  @IsOptional() @IsIdQuery() storeId?: number;
  @IsOptional() @IsIdQuery() villagerId?: number;
  @ApiProperty({ enum: REDEMPTION_STATUSES, required: false })
  @IsOptional()
  @IsIn(REDEMPTION_STATUSES)
  status?: RedemptionStatus;
}

export class RedemptionItemResponseDto {
  goodsId!: number;
  goodsName!: string;
  quantity!: number;
  /** The goods' price when it was redeemed; later price changes do not touch it. */
  unitPrice!: number;
  amount!: number;
}

/** A receipt: what was taken, at which prices, by whom and when. */
export class RedemptionResponseDto {
  id!: number;
  storeId!: number;
  villagerId!: number;
  villageId!: number;
  total!: number;
  @ApiProperty({ enum: REDEMPTION_STATUSES })
  status!: RedemptionStatus;
  items!: RedemptionItemResponseDto[];
  operatorId!: number;
  createdAt!: Date;
  idempotencyKey!: string | null;
  cancelledBy!: number | null;
  cancelledAt!: Date | null;
  cancelReason!: string | null;
}
