import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  ForeignKey,
} from 'typeorm';
import { TIMESTAMP } from '../db/columns';

@Entity('villages')
export class Village {
  @PrimaryGeneratedColumn() id!: number;
  @Index({ unique: true }) @Column({ type: 'varchar', length: 32 }) code!: string;
  @Column({ type: 'varchar', length: 50 }) name!: string;
  @Column({ type: 'varchar', length: 50 }) town!: string;
  @Column({ type: 'integer', default: 10 }) redListSize!: number;
  /** 公示期: days a published month stays open to objections; 0 = final at once. */
  @Column({ type: 'integer', default: 3 }) publicityDays!: number;
  @CreateDateColumn({ type: TIMESTAMP }) createdAt!: Date;
}

@Entity('households')
@Index(['villageId', 'householdNo'], { unique: true })
export class Household {
  @PrimaryGeneratedColumn() id!: number;
  @ForeignKey(() => Village) @Column({ type: 'integer' }) villageId!: number;
  @Column({ type: 'varchar', length: 32 }) householdNo!: string;
  @Column({ type: 'varchar', length: 50 }) headName!: string;
  /** 村民小组 / 屋场, free text. */
  @Column({ type: 'varchar', length: 50, default: '' }) group!: string;
  @CreateDateColumn({ type: TIMESTAMP }) createdAt!: Date;
}
