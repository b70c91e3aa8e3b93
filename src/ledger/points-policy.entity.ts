import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { Villager } from '../villagers/villager.entity';
import { TIMESTAMP } from '../db/columns';

export const POINTS_POLICIES = ['keep', 'expireAfterMonths', 'yearEnd'] as const;
export type PointsPolicyName = (typeof POINTS_POLICIES)[number];

/**
 * The district's points policy (docs/product.md, "Yearly settlement"): one row, id 1; no row is
 * `keep`. A change takes effect 30 days after `changedAt`.
 */
@Entity('points_policy')
export class PointsPolicy {
  @PrimaryColumn({ type: 'integer' }) id!: number;
  @Column({ type: 'varchar', length: 20 }) policy!: PointsPolicyName;
  @Column({ type: 'integer', nullable: true }) months!: number | null;
  @Column({ type: TIMESTAMP }) changedAt!: Date;
  /** The administrator who set it: the actor of the expiry entries the scheduled job posts. */
  @Column({ type: 'integer' }) changedBy!: number;
  /** The local day the scheduled job last swept (one instance sweeps a day). */
  @Column({ type: 'date', nullable: true }) lastRunOn!: string | null;
}

/**
 * One villager's expiry in one period (a day for `expireAfterMonths`, a year for `yearEnd`): the
 * guard that makes expiry post at most once per villager and period, whatever the number of
 * instances or runs. Kept apart from the ledger, whose unique indexes the province's partitioning
 * cannot keep.
 */
@Entity('points_expiries')
export class PointsExpiry {
  @ForeignKey(() => Villager) @PrimaryColumn({ type: 'integer' }) villagerId!: number;
  @PrimaryColumn({ type: 'varchar', length: 12 }) period!: string;
  /** Points expired (0 when nothing was left to expire). */
  @Column({ type: 'integer' }) points!: number;
  @Column({ type: 'integer', nullable: true }) entryId!: number | null;
  @Column({ type: TIMESTAMP }) createdAt!: Date;
}
