import { ApiProperty } from '@nestjs/swagger';
import type { LedgerEntry } from '../ledger/ledger-entry.entity';
import type { Page } from '../common/pagination';

export class HouseholdMemberDto {
  villagerId!: number;
  name!: string;
  balance!: number;
}

/** 户积分: the members' balances summed, the members, and their entries newest first. */
export class HouseholdPointsDto {
  householdId!: number;
  householdNo!: string;
  headName!: string;
  /** Village and town, for the counter and the printed card. */
  villageName!: string;
  town!: string;
  total!: number;
  members!: HouseholdMemberDto[];
  @ApiProperty({ description: 'the members’ ledger entries, newest first, paginated' })
  entries!: Page<LedgerEntry & { villagerName: string }>;
}

export class CardIssuedDto {
  /** The secret the QR code carries; shown once, only its hash is kept. */
  token!: string;
}
