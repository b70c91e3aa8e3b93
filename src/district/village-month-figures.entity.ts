import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { TIMESTAMP } from '../db/columns';
import { Village } from '../villages/village.entity';
import type { DashboardFiguresDto } from './dashboard.dto';

/** A village's month as the dashboard shows it, with the waits its median is taken from. */
export type VillageFigures = DashboardFiguresDto & { waits: number[] };

/**
 * A village's month, computed once and kept while nothing of the village changed
 * (src/district/dashboard.service.ts): what lets the district's dashboard answer in a few reads
 * instead of reading every deed and ledger entry of the month. A cache: deleting every row loses
 * nothing.
 */
@Entity('village_month_figures')
export class VillageMonthFigures {
  @ForeignKey(() => Village) @PrimaryColumn({ type: 'integer' }) villageId!: number;
  @PrimaryColumn({ type: 'varchar', length: 7 }) month!: string;
  /** The village's latest audit event and ledger entry when computed. */
  @Column({ type: 'varchar', length: 40 }) token!: string;
  @Column({ type: 'simple-json' }) figures!: VillageFigures;
  @Column({ type: TIMESTAMP }) computedAt!: Date;
}
