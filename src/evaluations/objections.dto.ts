import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { CodePointLength, NameText, Optional, Trim } from '../common/dto';
import { IsId } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import {
  Objection,
  OBJECTION_STATUSES,
  type ObjectionOutcome,
  type ObjectionStatus,
} from './objection.entity';

export class ObjectionCreateDto {
  /** What is wrong with the lists, in the objector's words. */
  @Trim() @IsString() @CodePointLength(1, 500) text!: string;
  /** A cadre filing for a walk-in may name the villager concerned; a villager files for themselves. */
  @Optional() @IsId() villagerId?: number;
  /** The walk-in's name, required when a cadre files on their behalf. */
  @Optional() @NameText(1, 50) filedByName?: string;
  /** With filedByName: how the walk-in asked (e.g. 本人到村委会口头提出). */
  @Optional() @Trim() @IsString() @CodePointLength(1, 200) consentNote?: string;
  /** The deed the objection is about, if any (a deed of this village and month). */
  @Optional() @IsId() deedId?: number;
}

export class ObjectionListQueryDto extends PageQueryDto {
  @ApiProperty({ enum: OBJECTION_STATUSES, required: false })
  @IsOptional()
  @IsIn(OBJECTION_STATUSES)
  status?: ObjectionStatus;
}

export class ObjectionResolveDto {
  @ApiProperty({ enum: ['dismissed', 'upheld'] })
  @IsIn(['dismissed', 'upheld'])
  outcome!: ObjectionOutcome;
  @Trim() @IsString() @CodePointLength(1, 500) reason!: string;
}

/** An objection as the list answers it, with who objects by name. */
export class ObjectionItemDto extends Objection {
  /** The walk-in's name, or the name of the account that filed it (docs/product.md, "Accounts"). */
  filerName!: string;
}
