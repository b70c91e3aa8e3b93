import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { IsId, IsIdListQuery, IsIdQuery } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { CodePointLength, IsBirthDateText, NameText, Optional, TrimUpper } from '../common/dto';
import { isValidIdNumber } from './id-number';
import {
  RELATIONS,
  VILLAGER_STATUSES,
  type Relation,
  type VillagerStatus,
} from './villager.entity';

@ValidatorConstraint({ name: 'idNumber' })
class IdNumberConstraint implements ValidatorConstraintInterface {
  validate(value: unknown) {
    return typeof value === 'string' && isValidIdNumber(value);
  }
  defaultMessage() {
    return 'idNumber must be an 18-character resident ID with a valid check character';
  }
}

const PHONE = /^\+?[0-9 -]{5,20}$/;

export class VillagerCreateDto {
  /** Defaults to the cadre's own village; required for an admin. */
  @Optional() @IsId() villageId?: number;
  @IsOptional() @IsId() householdId?: number;
  @NameText(1, 50) name!: string;
  @Optional()
  @TrimUpper()
  @Validate(IdNumberConstraint)
  idNumber?: string;
  @Optional()
  @IsString()
  @Matches(PHONE, { message: 'phone must be 5-20 digits' })
  phone?: string;
  /** YYYY-MM-DD; taken from the ID number when not given. */
  @IsBirthDateText() birthDate?: string;
  /** 与户主关系 */
  @ApiProperty({ enum: RELATIONS, required: false })
  @Optional()
  @IsIn(RELATIONS)
  relation?: Relation;
}

export class VillagerUpdateDto {
  /** null takes the villager out of their household (and null clears idNumber or phone). */
  @IsOptional() @IsId() householdId?: number | null;
  @Optional() @NameText(1, 50) name?: string;
  @IsOptional()
  @TrimUpper()
  @Validate(IdNumberConstraint)
  idNumber?: string;
  @IsOptional()
  @IsString()
  @Matches(PHONE, { message: 'phone must be 5-20 digits' })
  phone?: string;
  @ApiProperty({ enum: VILLAGER_STATUSES, required: false })
  @Optional()
  @IsIn(VILLAGER_STATUSES)
  status?: VillagerStatus;
  /** YYYY-MM-DD, null clears it; with an ID number it is the ID's (another is 400). */
  @IsBirthDateText() birthDate?: string | null;
  /** 与户主关系; null clears it. */
  @ApiProperty({ enum: RELATIONS, required: false, nullable: true })
  @IsOptional()
  @IsIn(RELATIONS)
  relation?: Relation | null;
  /** The person agreed to their full name on the online board (recorded with who and when). */
  @Optional() @IsBoolean() boardConsent?: boolean;
}

export class VillagerListQueryDto extends PageQueryDto {
  @IsOptional() @IsIdQuery() villageId?: number;
  @IsOptional() @IsIdQuery() householdId?: number;
  /** Any part of the name, the start of its pinyin initials (zzh → 周祖辉), or a household number. */
  @IsOptional() @IsString() @CodePointLength(1, 50) q?: string;
  @IsOptional() @IsIn(VILLAGER_STATUSES) status?: VillagerStatus;
  /** Only these villagers (up to 100), e.g. the names of a screen's list in one request. */
  @ApiPropertyOptional({ type: 'string', example: '12,15,31' })
  @IsOptional()
  @IsIdListQuery(100)
  ids?: number[];
}

export class VillagerResponseDto {
  id!: number;
  villageId!: number;
  householdId!: number | null;
  name!: string;
  /** Always masked, e.g. 430102********1234. */
  idNumber!: string | null;
  phone!: string | null;
  /** YYYY-MM-DD; null when the villager has an ID number (it carries the date, masked). */
  birthDate!: string | null;
  /** The year of birth, for telling same names apart. */
  birthYear!: number | null;
  @ApiProperty({ enum: RELATIONS, nullable: true })
  relation!: Relation | null;
  status!: VillagerStatus;
  /** Full name on the online board, agreed by the person; who recorded it and when. */
  boardConsent!: boolean;
  boardConsentBy!: number | null;
  boardConsentAt!: Date | null;
  balance!: number;
  createdAt!: Date;
}
