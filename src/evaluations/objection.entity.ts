import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TIMESTAMP } from '../db/columns';
import { Deed } from '../deeds/deed.entity';
import { Villager } from '../villagers/villager.entity';
import { Village } from '../villages/village.entity';
import { Evaluation } from './evaluation.entity';

export const OBJECTION_STATUSES = ['open', 'dismissed', 'upheld'] as const;
export type ObjectionStatus = (typeof OBJECTION_STATUSES)[number];
export type ObjectionOutcome = Exclude<ObjectionStatus, 'open'>;

/** 异议: filed against a month's posted lists (one revision of them) during publicity. */
@Entity('objections')
@Index(['villageId', 'month'])
@Index(['evaluationId', 'status'])
export class Objection {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Village) @Column({ type: 'integer' }) villageId!: number;
  @Column({ type: 'varchar', length: 7 }) month!: string;
  /** The revision of the lists that was posted when the objection was filed. */
  @ForeignKey(() => Evaluation) @Column({ type: 'integer' }) evaluationId!: number;
  @Column({ type: 'integer' }) revision!: number;
  /** The villager who objects (their own account), or whom a walk-in objection concerns. */
  @ForeignKey(() => Villager) @Column({ type: 'integer', nullable: true }) villagerId!:
    number | null;
  /** The account that filed it: the villager, or the cadre on behalf of a walk-in. */
  @Column({ type: 'integer' }) filedBy!: number;
  /** The walk-in's name, when a cadre files on their behalf. */
  @Column({ type: 'varchar', length: 50, nullable: true }) filedByName!: string | null;
  /** How the walk-in asked the cadre to file it (代办), when the cadre wrote it down. */
  @Column({ type: 'varchar', length: 200, nullable: true }) consentNote!: string | null;
  @ForeignKey(() => Deed) @Column({ type: 'integer', nullable: true }) deedId!: number | null;
  @Column({ type: 'varchar', length: 500 }) text!: string;
  @Column({ type: 'varchar', length: 10 }) status!: ObjectionStatus;
  @Column({ type: 'varchar', length: 500, nullable: true }) resolution!: string | null;
  @Column({ type: 'integer', nullable: true }) resolvedBy!: number | null;
  @Column({ type: TIMESTAMP, nullable: true }) resolvedAt!: Date | null;
  @Column({ type: TIMESTAMP }) createdAt!: Date;
}
