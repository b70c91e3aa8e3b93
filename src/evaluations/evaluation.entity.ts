import { Column, Entity, Index, PrimaryGeneratedColumn, ForeignKey } from 'typeorm';
import { Village } from '../villages/village.entity';
import { TIMESTAMP } from '../db/columns';
import type { EvaluationResult } from './ranking';

export type EvaluationStatus = 'draft' | 'published';

/** One village's month. Once published, `result` is frozen. */
@Entity('evaluations')
@Index(['villageId', 'month'], { unique: true })
export class Evaluation {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Village) @Column({ type: 'integer' }) villageId!: number;
  @Column({ type: 'varchar', length: 7 }) month!: string;
  @Column({ type: 'varchar', length: 10 }) status!: EvaluationStatus;
  @Column({ type: 'simple-json' }) result!: EvaluationResult;
  @Column({ type: 'integer' }) computedBy!: number;
  @Column({ type: TIMESTAMP }) computedAt!: Date;
  @Column({ type: 'integer', nullable: true }) publishedBy!: number | null;
  @Column({ type: TIMESTAMP, nullable: true }) publishedAt!: Date | null;
}
