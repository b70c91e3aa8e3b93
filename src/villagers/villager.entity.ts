import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  ForeignKey,
} from 'typeorm';
import { Household, Village } from '../villages/village.entity';
import { TIMESTAMP } from '../db/columns';
import { NAME_INITIALS_LENGTH } from './name-initials';

export const VILLAGER_STATUSES = ['active', 'moved', 'deceased'] as const;

/** 与户主关系: the words of the household register, in its order. */
export const RELATIONS = [
  '户主',
  '配偶',
  '子',
  '女',
  '儿媳',
  '女婿',
  '孙子女',
  '父母',
  '祖父母',
  '兄弟姐妹',
  '其他',
] as const;
export type Relation = (typeof RELATIONS)[number];
export type VillagerStatus = (typeof VILLAGER_STATUSES)[number];

@Entity('villagers')
@Index(['villageId', 'name'])
@Index(['householdId'])
export class Villager {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Village) @Column({ type: 'integer' }) villageId!: number;
  @ForeignKey(() => Household) @Column({ type: 'integer', nullable: true }) householdId!:
    number | null;
  @Column({ type: 'varchar', length: 50 }) name!: string;
  /** Pinyin initials of the name for the cadre's search (`nameInitials`), kept with the name. */
  @Column({ type: 'varchar', length: NAME_INITIALS_LENGTH, default: '' }) nameInitials!: string;
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 18, nullable: true })
  idNumber!: string | null;
  @Column({ type: 'varchar', length: 20, nullable: true }) phone!: string | null;
  /** Tells same-name members apart at the counter; filled from the ID number when there is one. */
  @Column({ type: 'date', nullable: true }) birthDate!: string | null;
  /** 与户主关系 */
  @Column({ type: 'varchar', length: 10, nullable: true }) relation!: Relation | null;
  /** The person agreed to their full name on the online board; who recorded it, and when. */
  @Column({ type: 'boolean', default: false }) boardConsent!: boolean;
  @Column({ type: 'integer', nullable: true }) boardConsentBy!: number | null;
  @Column({ type: TIMESTAMP, nullable: true }) boardConsentAt!: Date | null;
  @Column({ type: 'varchar', length: 10, default: 'active' }) status!: VillagerStatus;
  /**
   * Cached sum of this villager's ledger entries, written in the same transaction as each entry
   * so reading a balance is one row, not a sum over the history.
   */
  @Column({ type: 'integer', default: 0 }) balance!: number;
  @CreateDateColumn({ type: TIMESTAMP }) createdAt!: Date;
}
