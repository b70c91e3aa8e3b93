import { Column, Entity, Index, PrimaryGeneratedColumn, ForeignKey } from 'typeorm';
import { Village } from '../villages/village.entity';
import { TIMESTAMP } from '../db/columns';
import type { EvaluationResult } from './ranking';

export type EvaluationStatus = 'draft' | 'published';

/**
 * One revision of a village's month. Once published a revision is frozen (a database trigger
 * refuses changes); a correction after an upheld objection publishes the next revision.
 */
@Entity('evaluations')
@Index(['villageId', 'month', 'revision'], { unique: true })
export class Evaluation {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Village) @Column({ type: 'integer' }) villageId!: number;
  @Column({ type: 'varchar', length: 7 }) month!: string;
  @Column({ type: 'integer', default: 1 }) revision!: number;
  @Column({ type: 'varchar', length: 10 }) status!: EvaluationStatus;
  @Column({ type: 'simple-json' }) result!: EvaluationResult;
  @Column({ type: 'integer' }) computedBy!: number;
  @Column({ type: TIMESTAMP }) computedAt!: Date;
  @Column({ type: 'integer', nullable: true }) publishedBy!: number | null;
  @Column({ type: TIMESTAMP, nullable: true }) publishedAt!: Date | null;
  /** Last day of the publicity window (district time zone); null: no window, final at once. */
  @Column({ type: 'date', nullable: true }) publicityEndsOn!: string | null;
}
