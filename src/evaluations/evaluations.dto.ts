import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { CodePointLength } from '../common/dto';
import { IsIdQuery } from '../common/ids';
import { isMonth, MONTH_RULE } from '../common/time';
import { PUBLICATION_STATUSES, type PublicationStatus } from './publicity';
import type { BlackListRow, HouseholdRow, RedListRow } from './ranking';

/** A `YYYY-MM` path parameter: 400 naming the parameter when it is not one. */
@Injectable()
export class ParseMonthPipe implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (!isMonth(value)) {
      throw new BadRequestException(`${meta.data ?? 'month'} must be ${MONTH_RULE}`);
    }
    return value;
  }
}

export const BOARD_FORMATS = ['json', 'csv', 'xlsx', 'html'] as const;
export type BoardFormat = (typeof BOARD_FORMATS)[number];

export class BoardQueryDto {
  /** The village's display key (its own screens): full names instead of masked ones. */
  @IsOptional() @IsString() @CodePointLength(1, 100) key?: string;
  /** json (default), csv (UTF-8 with BOM), xlsx, or a printable html page. */
  @IsOptional() @IsIn(BOARD_FORMATS) format?: BoardFormat;
  /** An earlier published revision; the latest by default. */
  @IsOptional() @IsIdQuery() revision?: number;
}

export class EvaluationQueryDto {
  /** An earlier revision; the latest by default. */
  @IsOptional() @IsIdQuery() revision?: number;
}

export class ObjectionCountsDto {
  filed!: number;
  /** Dismissed or upheld. */
  resolved!: number;
}

/** The cadre's view of a month: the draft or the published lists, with who and when. */
export class EvaluationResponseDto {
  villageId!: number;
  month!: string;
  /** 1 for the first publication; a correction after an upheld objection publishes the next. */
  revision!: number;
  latestRevision!: number;
  /** draft; publicity (公示中, objections may be filed); final (已定). */
  @ApiProperty({ enum: PUBLICATION_STATUSES })
  status!: PublicationStatus;
  /** Last day of the publicity window (YYYY-MM-DD, district time); null for none. */
  publicityEndsOn!: string | null;
  objections!: ObjectionCountsDto;
  redList!: RedListRow[];
  blackList!: BlackListRow[];
  households!: HouseholdRow[];
  computedBy!: number;
  computedAt!: Date;
  publishedBy!: number | null;
  publishedAt!: Date | null;
}

export class PublicVillageDto {
  code!: string;
  name!: string;
  town!: string;
}

/** A village's notice board: which months are published. */
export class PublicBoardIndexDto {
  village!: PublicVillageDto;
  /** Published months, newest first, YYYY-MM. */
  months!: string[];
}

export class PublicRedRowDto {
  rank!: number;
  /** Masked (欧**燕) unless the village shows full names or the person agreed. */
  name!: string;
  net!: number;
}

export class PublicBlackRowDto {
  rank!: number;
  /** null when the village posts the black list without names (the default). */
  name!: string | null;
  deductions!: number;
  /** Titles of the broken rules, e.g. 乱倒垃圾. */
  reasons!: string[];
}

export class PublicHouseholdRowDto {
  rank!: number;
  headName!: string;
  members!: number;
  net!: number;
}

/**
 * A published month as posted on the notice board: names and points only, never ID numbers,
 * phones, household numbers or groups, nor internal ids.
 */
export class PublicBoardDto {
  village!: PublicVillageDto;
  month!: string;
  revision!: number;
  @ApiProperty({ enum: ['publicity', 'final'] })
  status!: PublicationStatus;
  /** Last day of the publicity window (YYYY-MM-DD); null when the village posts none. */
  publicityEndsOn!: string | null;
  objections!: ObjectionCountsDto;
  publishedAt!: Date;
  /** The publication date in the district's time zone, YYYY-MM-DD. */
  publishedOn!: string;
  redList!: PublicRedRowDto[];
  blackList!: PublicBlackRowDto[];
  households!: PublicHouseholdRowDto[];
}
