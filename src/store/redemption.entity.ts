import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TIMESTAMP } from '../db/columns';

export type RedemptionStatus = 'completed' | 'cancelled';

@Entity('redemptions')
@Index(['storeId', 'idempotencyKey'], { unique: true })
@Index(['villagerId', 'id'])
export class Redemption {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) storeId!: number;
  @Column({ type: 'integer' }) villagerId!: number;
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
export class RedemptionItem {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) redemptionId!: number;
  @Column({ type: 'integer' }) goodsId!: number;
  @Column({ type: 'varchar', length: 50 }) goodsName!: string;
  @Column({ type: 'integer' }) quantity!: number;
  @Column({ type: 'integer' }) unitPrice!: number;
}
