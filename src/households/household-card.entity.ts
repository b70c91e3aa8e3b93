import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TIMESTAMP } from '../db/columns';
import { Household } from '../villages/village.entity';

/**
 * 积分卡: a household's printed QR card. Only a hash of the token is kept, so the database alone
 * cannot make a working card; issuing a new card revokes the household's older ones at once.
 */
@Entity('household_cards')
@Index(['householdId'])
export class HouseholdCard {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Household) @Column({ type: 'integer' }) householdId!: number;
  /** SHA-256 of the token, hex. */
  @Index({ unique: true }) @Column({ type: 'varchar', length: 64 }) tokenHash!: string;
  @Column({ type: 'integer' }) issuedBy!: number;
  @Column({ type: TIMESTAMP }) issuedAt!: Date;
  @Column({ type: TIMESTAMP, nullable: true }) revokedAt!: Date | null;
}
