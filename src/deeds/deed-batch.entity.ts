import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ConflictCode } from '../common/refusals';
import { TIMESTAMP } from '../db/columns';

export const BULK_OUTCOMES = [
  'awarded',
  'MONTHLY_CAP_REACHED',
  'VILLAGER_NOT_ACTIVE',
  'NOT_IN_VILLAGE',
] as const satisfies readonly ('awarded' | ConflictCode)[];
export type BulkOutcome = (typeof BULK_OUTCOMES)[number];

export interface BulkResult {
  villagerId: number;
  outcome: BulkOutcome;
  deedId?: number;
}

/**
 * One bulk award (批量记分), kept under its batch key: the row is claimed first, so a retry —
 * even one arriving while the first still runs — returns the first results and awards nothing.
 */
@Entity('deed_batches')
@Index(['recordedBy', 'batchKey'], { unique: true })
export class DeedBatch {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) recordedBy!: number;
  @Column({ type: 'varchar', length: 100 }) batchKey!: string;
  @Column({ type: 'varchar', length: 64 }) requestHash!: string;
  /** Filled in the same transaction that claimed the row. */
  @Column({ type: 'simple-json', nullable: true }) results!: BulkResult[] | null;
  @Column({ type: TIMESTAMP }) createdAt!: Date;
}
