import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../auth/user.entity';
import { TIMESTAMP } from '../db/columns';
import type { BulkOutcome } from '../deeds/deed-batch.entity';
import { Rule } from '../rules/rule.entity';
import { Village } from '../villages/village.entity';
import { Villager } from '../villagers/villager.entity';

export const ACTIVITY_STATUSES = ['open', 'closed', 'cancelled'] as const;
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];

/** How a participant was checked in: by a cadre (a card, a name) or by themselves (the QR). */
export const CHECKIN_WAYS = ['cadre', 'self'] as const;
export type CheckinWay = (typeof CHECKIN_WAYS)[number];

/** What closing gave one participant: the bulk award's outcome and the hours recorded. */
export interface ParticipantResult {
  villagerId: number;
  name: string;
  outcome: BulkOutcome;
  deedId?: number;
  /** The points awarded: the rule's at the close, or 0 when refused. */
  points: number;
  hours: number;
}

/**
 * A village activity (docs/product.md, "Activities"): 义务劳动, 环境整治, 志愿服务 — published by a
 * cadre with the rule it awards; villagers sign up and check in; closing awards the rule to those
 * who came, once, and records their volunteer hours.
 */
@Entity('activities')
@Index(['villageId', 'startsAt'])
export class Activity {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Village) @Column({ type: 'integer' }) villageId!: number;
  @Column({ type: 'varchar', length: 100 }) title!: string;
  @ForeignKey(() => Rule) @Column({ type: 'integer' }) ruleId!: number;
  @Column({ type: TIMESTAMP }) startsAt!: Date;
  @Column({ type: TIMESTAMP }) endsAt!: Date;
  @Column({ type: 'varchar', length: 100 }) place!: string;
  /** At most this many participants, sign-ups and walk-ins together (at most the bulk limit). */
  @Column({ type: 'integer', nullable: true }) capacity!: number | null;
  /** Volunteer hours each participant is credited, in tenths of an hour. */
  @Column({ type: 'integer' }) hoursTenths!: number;
  @Column({ type: 'varchar', length: 10, default: 'open' }) status!: ActivityStatus;
  /** The secret of the check-in QR; never in an answer but the cadre's checkin-token. */
  @Column({ type: 'varchar', length: 64, select: false }) checkinToken!: string;
  @ForeignKey(() => User) @Column({ type: 'integer' }) createdBy!: number;
  @Column({ type: TIMESTAMP }) createdAt!: Date;
  @ForeignKey(() => User) @Column({ type: 'integer', nullable: true }) closedBy!: number | null;
  @Column({ type: TIMESTAMP, nullable: true }) closedAt!: Date | null;
  /** Written by the close that won, so a second close answers the same. */
  @Column({ type: 'simple-json', nullable: true }) results!: ParticipantResult[] | null;
  @ForeignKey(() => User) @Column({ type: 'integer', nullable: true }) cancelledBy!: number | null;
  @Column({ type: TIMESTAMP, nullable: true }) cancelledAt!: Date | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) cancelReason!: string | null;
}

/** One villager's place at an activity: signed up, then (perhaps) checked in, then credited. */
@Entity('activity_signups')
@Index(['activityId', 'villagerId'], { unique: true })
@Index(['villagerId'])
export class ActivitySignup {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Activity) @Column({ type: 'integer' }) activityId!: number;
  @ForeignKey(() => Villager) @Column({ type: 'integer' }) villagerId!: number;
  @ForeignKey(() => User) @Column({ type: 'integer' }) signedUpBy!: number;
  @Column({ type: TIMESTAMP }) signedUpAt!: Date;
  @Column({ type: TIMESTAMP, nullable: true }) checkedInAt!: Date | null;
  @ForeignKey(() => User) @Column({ type: 'integer', nullable: true }) checkedInBy!: number | null;
  @Column({ type: 'varchar', length: 10, nullable: true }) checkedInVia!: CheckinWay | null;
  /** Volunteer hours credited at the close, in tenths; null until then. */
  @Column({ type: 'integer', nullable: true }) hoursTenths!: number | null;
}
