import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { IsId, IsIdList, IsIdQuery } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { CodePointLength, IsDateText, IsMonthText, Optional, Trim } from '../common/dto';
import { MAX_PHOTOS_PER_DEED } from '../photos/photos.service';
import { BULK_OUTCOMES, type BulkOutcome } from './deed-batch.entity';
import {
  DEED_SOURCES,
  DEED_STATUSES,
  type Deed,
  type DeedSource,
  type DeedStatus,
} from './deed.entity';

export class DeedCreateDto {
  /** A villager records only for themselves and may omit it. */
  @Optional() @IsId() villagerId?: number;
  @IsId() ruleId!: number;
  /** The day it happened, YYYY-MM-DD, not in the future (district time zone). */
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'occurredOn must be a date YYYY-MM-DD' })
  occurredOn!: string;
  @Trim() @IsString() @CodePointLength(1, 500) description!: string;
  /** Evidence in words (a witness, a place); photos go in `photoIds`. */
  @Optional() @Trim() @IsString() @CodePointLength(1, 1000) evidence?: string;
  /** Photos uploaded by the caller through POST /api/photos, at most 6. */
  @Optional() @IsIdList(MAX_PHOTOS_PER_DEED) photoIds?: number[];
  /**
   * 代办 (a cadre): file this as the villager's own self-report, pending review, because the
   * villager asked in person; `consentNote` says how.
   */
  @Optional() @IsBoolean() onBehalf?: boolean;
  /** With onBehalf: how the villager asked, e.g. 本人到村委会口头申请. */
  @Optional() @Trim() @IsString() @CodePointLength(1, 200) consentNote?: string;
}

/** The form a deed request's Idempotency-Key is checked against (its hash is stored). */
export function canonicalDeed(r: DeedCreateDto & { villagerId: number }): string {
  const request = [r.villagerId, r.ruleId, r.occurredOn, r.description, r.evidence ?? null];
  // photos and 代办 only when given, so that keys made before them still match their retries
  const photos = r.photoIds?.length ? [r.photoIds] : [];
  const onBehalf = r.onBehalf ? [{ onBehalf: true, consentNote: r.consentNote ?? null }] : [];
  return JSON.stringify([...request, ...photos, ...onBehalf]);
}

/** The most villagers one bulk award (and so one activity) takes. */
export const MAX_BULK_VILLAGERS = 500;

/** 批量记分: one rule, one day, one description, many villagers of the cadre's village. */
export class DeedBulkCreateDto {
  @IsId() ruleId!: number;
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'occurredOn must be a date YYYY-MM-DD' })
  occurredOn!: string;
  @Trim() @IsString() @CodePointLength(1, 500) description!: string;
  /** Up to 500 distinct villagers. */
  @IsIdList(MAX_BULK_VILLAGERS) villagerIds!: number[];
  /** Made once per batch by the client: the same key again returns the first results. */
  @IsString()
  @Matches(/^[\x21-\x7e]{1,100}$/, { message: 'batchKey must be 1-100 visible ASCII characters' })
  batchKey!: string;
}

export class BulkResultDto {
  villagerId!: number;
  @ApiProperty({ enum: BULK_OUTCOMES })
  outcome!: BulkOutcome;
  deedId?: number;
}

export class DeedBulkResponseDto {
  results!: BulkResultDto[];
}

export class DeedReasonDto {
  @Trim() @IsString() @CodePointLength(1, 500) reason!: string;
}

/** The form a batch's key is checked against: the same batch again, or another one. */
export function canonicalBulk(dto: DeedBulkCreateDto): string {
  return JSON.stringify([dto.ruleId, dto.occurredOn, dto.description, dto.villagerIds]);
}

export class DeedListQueryDto extends PageQueryDto {
  @IsOptional() @IsIdQuery() villageId?: number;
  @IsOptional() @IsIdQuery() villagerId?: number;
  @ApiProperty({ enum: DEED_STATUSES, required: false })
  @IsOptional()
  @IsIn(DEED_STATUSES)
  status?: DeedStatus;
  @IsMonthText() month?: string;
  /** Who started it: `cadre` (recorded) or `self_report` (a villager's own report). */
  @ApiProperty({ enum: DEED_SOURCES, required: false })
  @IsOptional()
  @IsIn(DEED_SOURCES)
  source?: DeedSource;
  /** Recorded on this day (district time zone), whatever day it happened. */
  @IsDateText() recordedOn?: string;
}

/** A deed as answered by create, approve and revoke: with the villager's balance after it. */
export type DeedResponse = Omit<Deed, 'requestHash'> & { balance: number };
