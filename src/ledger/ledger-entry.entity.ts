import { Column, Entity, Index, PrimaryGeneratedColumn, ForeignKey } from 'typeorm';
import { Deed } from '../deeds/deed.entity';
import { Redemption } from '../store/redemption.entity';
import { Villager } from '../villagers/villager.entity';
import { TIMESTAMP } from '../db/columns';

export const LEDGER_KINDS = [
  'deed',
  'reversal',
  'redemption',
  'refund',
  'adjustment',
  'expiry',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/**
 * Append-only: inserted, never updated or deleted. The unique indexes make a second award for a
 * deed, a second reversal, a second debit or refund for a redemption impossible.
 */
@Entity('ledger_entries')
@Index(['villagerId', 'id'])
@Index(['villageId', 'createdAt'])
@Index(['deedId', 'kind'], { unique: true })
@Index(['redemptionId', 'kind'], { unique: true })
export class LedgerEntry {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Villager) @Column({ type: 'integer' }) villagerId!: number;
  @Column({ type: 'integer' }) villageId!: number;
  @Column({ type: 'integer' }) delta!: number;
  @Column({ type: 'varchar', length: 12 }) kind!: LedgerKind;
  @ForeignKey(() => Deed) @Column({ type: 'integer', nullable: true }) deedId!: number | null;
  @ForeignKey(() => Redemption) @Column({ type: 'integer', nullable: true }) redemptionId!:
    number | null;
  @Column({ type: 'integer' }) balanceAfter!: number;
  @Column({ type: 'varchar', length: 200, nullable: true }) note!: string | null;
  @Column({ type: 'integer' }) actorId!: number;
  @Column({ type: TIMESTAMP }) createdAt!: Date;
}
