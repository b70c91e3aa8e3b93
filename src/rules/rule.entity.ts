import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  ForeignKey,
} from 'typeorm';
import { Village } from '../villages/village.entity';
import { CHECKS } from '../db/checks';
import { TIMESTAMP } from '../db/columns';
import type { CategoryCode } from './categories';

@Entity('rules')
@Check(CHECKS.points)
export class Rule {
  @PrimaryGeneratedColumn() id!: number;
  @Index({ unique: true }) @Column({ type: 'varchar', length: 32 }) code!: string;
  @Column({ type: 'varchar', length: 20 }) category!: CategoryCode;
  @Column({ type: 'varchar', length: 100 }) title!: string;
  @Column({ type: 'integer' }) points!: number;
  @Column({ type: 'integer', nullable: true }) maxPerMonth!: number | null;
  @Column({ type: 'boolean', default: true }) active!: boolean;
  /** A deed under this rule needs a photo or the evidence text (default: on for deductions). */
  @Column({ type: 'boolean', default: false }) evidenceRequired!: boolean;
  /** null: the district-wide catalogue; otherwise one village's own rule. */
  @Index() @ForeignKey(() => Village) @Column({ type: 'integer', nullable: true }) villageId!:
    number | null;
  @CreateDateColumn({ type: TIMESTAMP }) createdAt!: Date;
  @UpdateDateColumn({ type: TIMESTAMP }) updatedAt!: Date;
}
