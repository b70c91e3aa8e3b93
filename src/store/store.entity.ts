import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  ForeignKey,
} from 'typeorm';
import { Redemption } from './redemption.entity';
import { Village } from '../villages/village.entity';
import { CHECKS } from '../db/checks';
import { TIMESTAMP } from '../db/columns';

@Entity('stores')
export class Store {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 50 }) name!: string;
  @CreateDateColumn({ type: TIMESTAMP }) createdAt!: Date;
}

/** Which villages a store serves. */
@Entity('store_villages')
@Index(['villageId'])
export class StoreVillage {
  @ForeignKey(() => Store) @PrimaryColumn({ type: 'integer' }) storeId!: number;
  @ForeignKey(() => Village) @PrimaryColumn({ type: 'integer' }) villageId!: number;
}

@Entity('goods')
@Index(['storeId'])
@Check(CHECKS.stock)
@Check(CHECKS.pointsPrice)
export class Goods {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Store) @Column({ type: 'integer' }) storeId!: number;
  @Column({ type: 'varchar', length: 50 }) name!: string;
  @Column({ type: 'integer' }) pointsPrice!: number;
  /** Always the sum of this goods' stock movements; changed only with a movement. */
  @Column({ type: 'integer', default: 0 }) stock!: number;
  @Column({ type: 'boolean', default: true }) active!: boolean;
  @CreateDateColumn({ type: TIMESTAMP }) createdAt!: Date;
}

export const STOCK_REASONS = ['restock', 'correction', 'redemption', 'cancellation'] as const;
export type StockReason = (typeof STOCK_REASONS)[number];

@Entity('stock_movements')
@Index(['goodsId', 'id'])
export class StockMovement {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Goods) @Column({ type: 'integer' }) goodsId!: number;
  @Column({ type: 'integer' }) delta!: number;
  @Column({ type: 'varchar', length: 12 }) reason!: StockReason;
  @ForeignKey(() => Redemption) @Column({ type: 'integer', nullable: true }) redemptionId!:
    number | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) note!: string | null;
  @Column({ type: 'integer' }) actorId!: number;
  @Column({ type: TIMESTAMP }) createdAt!: Date;
}
