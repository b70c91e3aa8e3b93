import { Check, Column, Entity, Index, PrimaryGeneratedColumn, ForeignKey } from 'typeorm';
import { Rule } from '../rules/rule.entity';
import { Villager } from '../villagers/villager.entity';
import { Village } from '../villages/village.entity';
import { CHECKS } from '../db/checks';
import { TIMESTAMP } from '../db/columns';
import type { CategoryCode } from '../rules/categories';

export const DEED_STATUSES = ['pending', 'approved', 'rejected', 'revoked'] as const;
export type DeedStatus = (typeof DEED_STATUSES)[number];
export const DEED_SOURCES = ['self_report', 'cadre'] as const;
export type DeedSource = (typeof DEED_SOURCES)[number];

@Entity('deeds')
@Index(['villageId', 'month', 'status'])
@Index(['villagerId', 'ruleId', 'month', 'status'])
@Index(['recordedBy', 'idempotencyKey'], { unique: true })
@Check(CHECKS.points)
export class Deed {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Village) @Column({ type: 'integer' }) villageId!: number;
  @ForeignKey(() => Villager) @Column({ type: 'integer' }) villagerId!: number;
  @ForeignKey(() => Rule) @Column({ type: 'integer' }) ruleId!: number;
  /** Copied from the rule when the deed is recorded, so later edits rewrite no history. */
  @Column({ type: 'varchar', length: 100 }) ruleTitle!: string;
  @Column({ type: 'varchar', length: 20 }) category!: CategoryCode;
  /** The rule's points, copied again at approval: that is what the ledger entry carries. */
  @Column({ type: 'integer' }) points!: number;
  @Column({ type: 'date' }) occurredOn!: string;
  /** YYYY-MM of occurredOn, kept for the monthly queries and caps. */
  @Column({ type: 'varchar', length: 7 }) month!: string;
  @Column({ type: 'varchar', length: 500 }) description!: string;
  @Column({ type: 'varchar', length: 1000, nullable: true }) evidence!: string | null;
  /**
   * 代办: how the villager asked a cadre to file this self-report for them ("本人到村委会口头
   * 申请"); null for the villager's own filing and for a cadre's record.
   */
  @Column({ type: 'varchar', length: 200, nullable: true }) consentNote!: string | null;
  /** The photos attached as evidence (src/photos), in the order given. */
  @Column({ type: 'simple-json', default: '[]' }) photoIds!: number[];
  @Column({ type: 'varchar', length: 12 }) source!: DeedSource;
  @Column({ type: 'varchar', length: 10 }) status!: DeedStatus;
  @Column({ type: 'integer' }) recordedBy!: number;
  @Column({ type: TIMESTAMP }) recordedAt!: Date;
  @Column({ type: 'integer', nullable: true }) reviewedBy!: number | null;
  @Column({ type: TIMESTAMP, nullable: true }) reviewedAt!: Date | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) reviewReason!: string | null;
  @Column({ type: 'integer', nullable: true }) revokedBy!: number | null;
  @Column({ type: TIMESTAMP, nullable: true }) revokedAt!: Date | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) revokeReason!: string | null;
  /** The recorder's `Idempotency-Key`, unique per recorder: a retry finds the first deed. */
  @Column({ type: 'varchar', length: 100, nullable: true }) idempotencyKey!: string | null;
  /** SHA-256 of the request the key was first used for; not part of any answer. */
  @Column({ type: 'varchar', length: 64, nullable: true, select: false }) requestHash!:
    string | null;
}
