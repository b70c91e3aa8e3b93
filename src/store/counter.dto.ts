import { IsString } from 'class-validator';
import { CodePointLength, Trim } from '../common/dto';
import { PageQueryDto } from '../common/pagination';
import { RedemptionResponseDto } from './store.dto';

/** How deep a counter search may page: the served villages are searched side by side. */
export const MAX_COUNTER_SEARCH = 200;

export class CounterVillagerQueryDto extends PageQueryDto {
  /** A name, or part of one (the roster's search: pinyin initials too where it offers them). */
  @Trim() @IsString() @CodePointLength(1, 50) q!: string;
}

/** Points that expire on a day: the last day they can be spent. */
export class ExpiringDto {
  /** YYYY-MM-DD */
  on!: string;
  points!: number;
}

/** A villager as the counter needs them: who, where, the balance; nothing more about the person. */
export class CounterVillagerDto {
  villagerId!: number;
  name!: string;
  villageId!: number;
  villageName!: string;
  householdId!: number | null;
  householdNo!: string | null;
  /** Tell same-name villagers apart: the year of birth and 与户主关系. */
  birthYear!: number | null;
  relation!: string | null;
  balance!: number;
  /** Points that will expire, soonest first: told before they are lost (积分清零). */
  expiring!: ExpiringDto[];
}

/** A receipt with the names the counter shows and prints. */
export class CounterRedemptionDto extends RedemptionResponseDto {
  villagerName!: string;
  villageName!: string;
}
