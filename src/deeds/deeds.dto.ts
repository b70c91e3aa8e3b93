import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { IsId, IsIdQuery } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { CodePointLength, Optional, Trim } from '../common/dto';
import { DEED_STATUSES, type DeedStatus } from './deed.entity';

export class DeedCreateDto {
  /** A villager records only for themselves and may omit it. */
  @Optional() @IsId() villagerId?: number;
  @IsId() ruleId!: number;
  /** The day it happened, YYYY-MM-DD, not in the future (district time zone). */
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'occurredOn must be a date YYYY-MM-DD' })
  occurredOn!: string;
  @Trim() @IsString() @CodePointLength(1, 500) description!: string;
  /** Text or a URL to a photo. */
  @Optional() @Trim() @IsString() @CodePointLength(1, 1000) evidence?: string;
}

export class DeedReasonDto {
  @Trim() @IsString() @CodePointLength(1, 500) reason!: string;
}

export class DeedListQueryDto extends PageQueryDto {
  @IsOptional() @IsIdQuery() villageId?: number;
  @IsOptional() @IsIdQuery() villagerId?: number;
  @ApiProperty({ enum: DEED_STATUSES, required: false })
  @IsOptional()
  @IsIn(DEED_STATUSES)
  status?: DeedStatus;
  @IsOptional()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'month must be YYYY-MM' })
  month?: string;
}
