import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { PageQueryDto } from '../common/pagination';
import { CodePointLength, NameText, Optional, Trim } from '../common/dto';
import {
  BOARD_BLACK_LISTS,
  BOARD_NAMES,
  type BoardBlackList,
  type BoardNames,
} from './village.entity';

/** How the village's board shows people online (docs/product.md, "The board online"). */
class BoardSettingsDto {
  /** `masked` (default: 欧阳春燕 → 欧**燕) or `full`. */
  @ApiProperty({ enum: BOARD_NAMES, required: false })
  @Optional()
  @IsIn(BOARD_NAMES)
  boardNames?: BoardNames;
  /** `count` (default: the black list without names) or `names`. */
  @ApiProperty({ enum: BOARD_BLACK_LISTS, required: false })
  @Optional()
  @IsIn(BOARD_BLACK_LISTS)
  boardBlackList?: BoardBlackList;
  /** Months a published board stays online (1-24, default 3). */
  @Optional() @IsInt() @Min(1) @Max(24) boardRetentionMonths?: number;
  /** 长辈版 (large type, big buttons) for the village's villagers who have not chosen. */
  @Optional() @IsBoolean() elderModeDefault?: boolean;
}

export class VillageCreateDto extends BoardSettingsDto {
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'code must be 1-32 letters, digits, _ or -' })
  code!: string;

  @NameText(1, 50) name!: string;
  @NameText(1, 50) town!: string;
  @Optional() @IsInt() @Min(1) @Max(100) redListSize?: number;
  /** 公示期 in days (0-30, default 3); 0 makes a published month final at once. */
  @Optional() @IsInt() @Min(0) @Max(30) publicityDays?: number;
}

/** An admin changes everything; the village's cadre only the board settings. */
export class VillageUpdateDto extends BoardSettingsDto {
  @Optional() @NameText(1, 50) name?: string;
  @Optional() @NameText(1, 50) town?: string;
  @Optional() @IsInt() @Min(1) @Max(100) redListSize?: number;
  @Optional() @IsInt() @Min(0) @Max(30) publicityDays?: number;
}

export class VillageListQueryDto extends PageQueryDto {
  @IsOptional() @IsString() @CodePointLength(1, 50) town?: string;
}

export class HouseholdCreateDto {
  @Trim() @IsString() @CodePointLength(1, 32) householdNo!: string;
  @NameText(1, 50) headName!: string;
  /** 村民小组 / 屋场 */
  @Optional() @NameText(0, 50) group?: string;
}

/** Only the fields sent change; members stay. */
export class HouseholdUpdateDto {
  @Optional() @Trim() @IsString() @CodePointLength(1, 32) householdNo?: string;
  @Optional() @NameText(1, 50) headName?: string;
  @Optional() @NameText(0, 50) group?: string;
}

export class HouseholdListQueryDto extends PageQueryDto {
  @IsOptional() @IsString() @CodePointLength(1, 50) group?: string;
}

export class DisplayKeyDto {
  /** Shown once: `?key=` on the public board shows full names on the village's own screens. */
  key!: string;
}
