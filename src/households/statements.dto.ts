import { ApiProperty } from '@nestjs/swagger';
import { PUBLICATION_STATUSES, type PublicationStatus } from '../evaluations/publicity';

export class StatementMemberDto {
  villagerId!: number;
  name!: string;
  /** At the month's end (the last entry posted before it). */
  balance!: number;
}

export class StatementEntryDto {
  villagerId!: number;
  name!: string;
  at!: Date;
  points!: number;
  /** What for: the rule, or what was revoked and why, or the adjustment's note. */
  reason!: string;
}

export class StatementRedemptionDto {
  villagerId!: number;
  name!: string;
  at!: Date;
  /** Points spent (a positive number). */
  points!: number;
  /** The goods, e.g. 大米 ×2、毛巾 ×1. */
  items!: string;
  /** Cancelled since, the points given back. */
  cancelled!: boolean;
}

export class HouseholdStatementDto {
  householdId!: number;
  householdNo!: string;
  headName!: string;
  /** The members' balances at the month's end, summed. */
  total!: number;
  members!: StatementMemberDto[];
  entries!: StatementEntryDto[];
  redemptions!: StatementRedemptionDto[];
}

export class StatementListsDto {
  /** The month's lists: none computed, a draft, in 公示 (objections open), or final. */
  @ApiProperty({ enum: ['none', ...PUBLICATION_STATUSES] })
  status!: 'none' | PublicationStatus;
  /** The last day to object, while in 公示. */
  publicityEndsOn!: string | null;
}

/** 家庭积分对账单: one per household, for a cadre to hand out (never posted). */
export class StatementsDto {
  month!: string;
  villageName!: string;
  town!: string;
  lists!: StatementListsDto;
  households!: HouseholdStatementDto[];
}
