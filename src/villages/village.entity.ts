import { ApiHideProperty } from '@nestjs/swagger';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  ForeignKey,
} from 'typeorm';
import { TIMESTAMP } from '../db/columns';

export const BOARD_NAMES = ['masked', 'full'] as const;
export type BoardNames = (typeof BOARD_NAMES)[number];
export const BOARD_BLACK_LISTS = ['count', 'names'] as const;
export type BoardBlackList = (typeof BOARD_BLACK_LISTS)[number];

@Entity('villages')
export class Village {
  @PrimaryGeneratedColumn() id!: number;
  @Index({ unique: true }) @Column({ type: 'varchar', length: 32 }) code!: string;
  @Column({ type: 'varchar', length: 50 }) name!: string;
  @Column({ type: 'varchar', length: 50 }) town!: string;
  @Column({ type: 'integer', default: 10 }) redListSize!: number;
  /** 公示期: days a published month stays open to objections; 0 = final at once. */
  @Column({ type: 'integer', default: 3 }) publicityDays!: number;
  /** The online board's names (docs/product.md, "The board online"): masked unless chosen. */
  @Column({ type: 'varchar', length: 10, default: 'masked' }) boardNames!: BoardNames;
  /** The online black list: how many and why (count), or with names. */
  @Column({ type: 'varchar', length: 10, default: 'count' }) boardBlackList!: BoardBlackList;
  /** Months a published board stays online. */
  @Column({ type: 'integer', default: 3 }) boardRetentionMonths!: number;
  /** 长辈版 for this village's villager accounts that have not chosen (docs/product.md). */
  @Column({ type: 'boolean', default: false }) elderModeDefault!: boolean;
  /** The 企业微信 group robot's webhook (its key is a secret: never selected into an answer). */
  @ApiHideProperty()
  @Column({ type: 'varchar', length: 300, nullable: true, select: false })
  wecomWebhookUrl!: string | null;
  /** SHA-256 of the display key that shows full names on the village's own screens (never answered). */
  @ApiHideProperty()
  @Column({ type: 'varchar', length: 64, nullable: true, select: false })
  displayKeyHash!: string | null;
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
