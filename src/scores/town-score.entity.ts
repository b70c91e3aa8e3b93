import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../auth/user.entity';
import { TIMESTAMP } from '../db/columns';
import type { VillageScore } from './score-formula';

/**
 * A town's published quarter (docs/product.md, "Village scores (积分换项目)"): the ranking frozen at
 * publication. One row per town and quarter; publishing again during the publicity window
 * replaces the ranking and counts up the revision.
 */
@Entity('town_scores')
@Index(['town', 'quarter'], { unique: true })
export class TownScore {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 50 }) town!: string;
  @Column({ type: 'varchar', length: 7 }) quarter!: string;
  @Column({ type: 'integer', default: 1 }) revision!: number;
  @Column({ type: 'simple-json' }) villages!: VillageScore[];
  @ForeignKey(() => User) @Column({ type: 'integer' }) publishedBy!: number;
  @Column({ type: TIMESTAMP }) publishedAt!: Date;
  /** The last moment of the publicity window (公示期). */
  @Column({ type: TIMESTAMP }) publicityEndsAt!: Date;
}
