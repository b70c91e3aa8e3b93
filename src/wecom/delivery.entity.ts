import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TIMESTAMP } from '../db/columns';
import { Village } from '../villages/village.entity';

export const DELIVERY_KINDS = ['publicity', 'daily', 'test'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];
export const DELIVERY_STATUSES = ['waiting', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One message for a village's 企业微信 group (docs/product.md, "Notices"): an outbox row written
 * in the transaction of the event, under a key that makes it once (`publicity:<village>:<month>:
 * <revision>`, `daily:<village>:<day>`), then posted by whichever instance claims it first —
 * retried with backoff, kept across restarts, and never posted again once the robot accepted it.
 */
@Entity('deliveries')
@Index(['villageId', 'id'])
@Index(['status', 'nextAttemptAt'])
export class Delivery {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Village) @Column({ type: 'integer' }) villageId!: number;
  @Index({ unique: true }) @Column({ type: 'varchar', length: 120 }) key!: string;
  @Column({ type: 'varchar', length: 10 }) kind!: DeliveryKind;
  /** The robot's message, as posted (JSON). */
  @Column({ type: 'text' }) message!: string;
  @Column({ type: 'varchar', length: 10, default: 'waiting' }) status!: DeliveryStatus;
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  @Column({ type: TIMESTAMP }) nextAttemptAt!: Date;
  /** An instance posting it holds it until then; a crashed one's claim runs out. */
  @Column({ type: TIMESTAMP, nullable: true }) claimedUntil!: Date | null;
  @Column({ type: 'varchar', length: 300, nullable: true }) lastError!: string | null;
  @Column({ type: TIMESTAMP }) createdAt!: Date;
  @Column({ type: TIMESTAMP, nullable: true }) sentAt!: Date | null;
}
