import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TIMESTAMP } from '../db/columns';

export const LEDGER_KINDS = ['deed', 'reversal', 'redemption', 'refund', 'adjustment'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/**
 * Append-only: inserted, never updated or deleted. The unique indexes make a second award for a
 * deed, a second reversal, a second debit or refund for a redemption impossible.
 */
@Entity('ledger_entries')
@Index(['villagerId', 'id'])
@Index(['deedId', 'kind'], { unique: true })
@Index(['redemptionId', 'kind'], { unique: true })
export class LedgerEntry {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'integer' }) villagerId!: number;
  @Column({ type: 'integer' }) villageId!: number;
  @Column({ type: 'integer' }) delta!: number;
  @Column({ type: 'varchar', length: 12 }) kind!: LedgerKind;
  @Column({ type: 'integer', nullable: true }) deedId!: number | null;
  @Column({ type: 'integer', nullable: true }) redemptionId!: number | null;
  @Column({ type: 'integer' }) balanceAfter!: number;
  @Column({ type: 'varchar', length: 200, nullable: true }) note!: string | null;
  @Column({ type: 'integer' }) actorId!: number;
  @Column({ type: TIMESTAMP }) createdAt!: Date;
}
