import { Check, Column, Entity, Index, PrimaryGeneratedColumn, ForeignKey } from 'typeorm';
import { Goods, Store } from './store.entity';
import { Villager } from '../villagers/villager.entity';
import { CHECKS } from '../db/checks';
import { TIMESTAMP } from '../db/columns';

export type RedemptionStatus = 'completed' | 'cancelled';

@Entity('redemptions')
@Index(['storeId', 'idempotencyKey'], { unique: true })
@Index(['villagerId', 'id'])
@Index(['storeId', 'createdAt'])
@Check(CHECKS.total)
export class Redemption {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Store) @Column({ type: 'integer' }) storeId!: number;
  @ForeignKey(() => Villager) @Column({ type: 'integer' }) villagerId!: number;
  @Column({ type: 'integer' }) villageId!: number;
  @Column({ type: 'integer' }) total!: number;
  @Column({ type: 'varchar', length: 10 }) status!: RedemptionStatus;
  @Column({ type: 'varchar', length: 100, nullable: true }) idempotencyKey!: string | null;
  /** Hash of the request body, to refuse the same key reused for another request. */
  @Column({ type: 'varchar', length: 64, nullable: true }) requestHash!: string | null;
  @Column({ type: 'integer' }) operatorId!: number;
  @Column({ type: TIMESTAMP }) createdAt!: Date;
  @Column({ type: 'integer', nullable: true }) cancelledBy!: number | null;
  @Column({ type: TIMESTAMP, nullable: true }) cancelledAt!: Date | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) cancelReason!: string | null;
}

@Entity('redemption_items')
@Index(['redemptionId'])
@Check(CHECKS.quantity)
@Check(CHECKS.unitPrice)
export class RedemptionItem {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Redemption) @Column({ type: 'integer' }) redemptionId!: number;
  @ForeignKey(() => Goods) @Column({ type: 'integer' }) goodsId!: number;
  @Column({ type: 'varchar', length: 50 }) goodsName!: string;
  @Column({ type: 'integer' }) quantity!: number;
  @Column({ type: 'integer' }) unitPrice!: number;
}
