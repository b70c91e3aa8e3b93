import { ApiProperty } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  NotEquals,
} from 'class-validator';
import { IsId, IsIdQuery } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { NameText, Optional, QueryBool } from '../common/dto';
import { CATEGORY_CODES, type CategoryCode } from './categories';

export class RuleCreateDto {
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'code must be 1-32 letters, digits, _ or -' })
  code!: string;

  @ApiProperty({ enum: CATEGORY_CODES })
  @IsIn(CATEGORY_CODES)
  category!: CategoryCode;

  @NameText(1, 100) title!: string;

  /** Non-zero, −1000…1000; negative is a deduction. */
  @IsInt()
  @Min(-1000)
  @Max(1000)
  @NotEquals(0, { message: 'points must not be zero' })
  points!: number;

  /** How many times one villager may earn it in one month; omit for no limit. */
  @IsOptional() @IsInt() @Min(1) @Max(1000) maxPerMonth?: number | null;

  /** A deed under it needs a photo or the evidence text; omitted: on for deductions, off otherwise. */
  @Optional() @IsBoolean() evidenceRequired?: boolean;

  /** Admin only: the village this rule belongs to; omit for the district catalogue. A cadre's rule is always their village's. */
  @Optional() @IsId() villageId?: number;
}

export class RuleUpdateDto {
  @Optional() @NameText(1, 100) title?: string;
  @Optional()
  @IsInt()
  @Min(-1000)
  @Max(1000)
  @NotEquals(0, { message: 'points must not be zero' })
  points?: number;
  /** null removes the monthly limit. */
  @IsOptional() @IsInt() @Min(1) @Max(1000) maxPerMonth?: number | null;
  @Optional() @IsBoolean() active?: boolean;
  @Optional() @IsBoolean() evidenceRequired?: boolean;
}

export class RuleListQueryDto extends PageQueryDto {
  @IsOptional() @IsIn(CATEGORY_CODES) category?: CategoryCode;
  @IsOptional() @IsIdQuery() villageId?: number;
  @IsOptional() @QueryBool() @IsBoolean() active?: boolean;
  /** district: only the district-wide catalogue. */
  @IsOptional() @IsIn(['district', 'village']) scope?: 'district' | 'village';
}
