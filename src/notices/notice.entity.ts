import { Column, Entity, ForeignKey, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../auth/user.entity';
import { TIMESTAMP } from '../db/columns';
import { Village } from '../villages/village.entity';
import { Villager } from '../villagers/villager.entity';

/** What a notice is about (docs/product.md, "Notices"). */
export const NOTICE_KINDS = [
  'deed.recorded',
  'deed.approved',
  'deed.rejected',
  'deed.deducted',
  'objection.decided',
  'lists.publicity',
  'points.expiring',
  'activity.tomorrow',
  'activity.cancelled',
  'deed.pending_review',
  'objection.filed',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/**
 * Who reads a notice: one villager, every villager of a village (the lists in publicity), or
 * every cadre of a village (a report to review, an objection filed).
 */
export const NOTICE_AUDIENCES = ['villager', 'villagers', 'cadres'] as const;
export type NoticeAudience = (typeof NOTICE_AUDIENCES)[number];

/**
 * One notice (docs/product.md, "Notices"): written in the transaction of the change it tells of,
 * so an approved deed never lacks its notice and a rolled-back one never has one; a notice
 * caused by time carries a unique key, so several instances write it once.
 */
@Entity('notices')
@Index(['villagerId', 'id'])
@Index(['villageId', 'audience', 'id'])
export class Notice {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: TIMESTAMP }) at!: Date;
  @Column({ type: 'varchar', length: 30 }) kind!: NoticeKind;
  @Column({ type: 'varchar', length: 10 }) audience!: NoticeAudience;
  /** The villager, for audience `villager`. */
  @ForeignKey(() => Villager) @Column({ type: 'integer', nullable: true }) villagerId!:
    number | null;
  /** The village, for audiences `villagers` and `cadres`. */
  @ForeignKey(() => Village) @Column({ type: 'integer', nullable: true }) villageId!: number | null;
  @Column({ type: 'varchar', length: 100 }) title!: string;
  @Column({ type: 'varchar', length: 1000 }) body!: string;
  /** Where in the web app it leads, e.g. /villager/history. */
  @Column({ type: 'varchar', length: 200, nullable: true }) link!: string | null;
  /** A notice caused by time: written once whatever instance writes it. */
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 100, nullable: true })
  key!: string | null;
}

/** An account has read a notice. */
@Entity('notice_reads')
export class NoticeRead {
  @ForeignKey(() => Notice) @PrimaryColumn({ type: 'integer' }) noticeId!: number;
  @ForeignKey(() => User) @PrimaryColumn({ type: 'integer' }) userId!: number;
  @Column({ type: TIMESTAMP }) readAt!: Date;
}
