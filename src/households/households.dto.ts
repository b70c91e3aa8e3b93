import { Optional } from '../common/dto';
import { IsIdList } from '../common/ids';
import type { Expiring } from '../ledger/expiry';
import type { LedgerEntry } from '../ledger/ledger-entry.entity';
import type { Page } from '../common/pagination';

export interface HouseholdMember {
  villagerId: number;
  name: string;
  balance: number;
  /** Tell same-name members apart at the counter: the year of birth and 与户主关系. */
  birthYear: number | null;
  relation: string | null;
  /** Points that will expire, soonest first: the counter says so before they are lost. */
  expiring: Expiring[];
}

/**
 * 户积分: the members' balances summed, the members, and their entries newest first (the schema
 * in the OpenAPI document is written out in src/openapi.ts).
 */
export interface HouseholdPointsDto {
  householdId: number;
  householdNo: string;
  headName: string;
  /** Village and town, for the counter and the printed card. */
  villageName: string;
  town: string;
  total: number;
  members: HouseholdMember[];
  /** Every member's entries, with whose and, for a deed's, its rule (what the points were for). */
  entries: Page<LedgerEntry & { villagerName: string; ruleTitle: string | null }>;
}

export class CardIssuedDto {
  /** The secret the QR code carries; shown once, only its hash is kept. */
  token!: string;
}

/** A whole village at once; a larger village prints in several sheets of chosen households. */
export const MAX_CARD_BATCH = 2000;

/** The households to print cards for; absent: every household of the village. */
export class CardBatchCreateDto {
  @Optional() @IsIdList(MAX_CARD_BATCH) householdIds?: number[];
}

export class IssuedCardDto {
  householdId!: number;
  householdNo!: string;
  headName!: string;
  /** The secret the QR code carries; shown once, only its hash is kept. */
  token!: string;
}

/** A sheet of fresh cards: every household on it has a new token, its older cards revoked. */
export class CardBatchIssuedDto {
  villageId!: number;
  villageName!: string;
  town!: string;
  cards!: IssuedCardDto[];
}
