import { IsOptional, IsIn } from 'class-validator';
import { IsMonthText, NameText } from '../common/dto';
import { EXPORT_FORMATS, type ExportFormat } from '../exports/table-stream';

export class DashboardQueryDto {
  /** YYYY-MM; the current month when left out. */
  @IsMonthText() month?: string;
  /** One town's villages; a town account always reads its own. */
  @IsOptional() @NameText(1, 50) town?: string;
}

export class DashboardExportQueryDto extends DashboardQueryDto {
  /** xlsx (default) or csv (UTF-8 with a BOM). */
  @IsOptional() @IsIn(EXPORT_FORMATS) format?: ExportFormat;
}

/** How the programme lives in a set of villages over one month (docs/product.md, "The dashboard"). */
export class DashboardFiguresDto {
  /** Households with at least one active member. */
  households!: number;
  /** Households a member of which has an approved deed with `occurredOn` in the month. */
  activeHouseholds!: number;
  /** activeHouseholds / households, 0–1 (0 without households). */
  participation!: number;
  /** Approved deeds of the month that award points. */
  deeds!: number;
  /** Approved deeds of the month that deduct points. */
  deductions!: number;
  /** Deeds of the month still waiting for review. */
  pendingReviews!: number;
  /** The median hours from a self-report to its review, of those reviewed in the month; null: none. */
  medianReviewHours!: number | null;
  /** Objections to the month's lists, and how many were upheld. */
  objections!: number;
  upheldObjections!: number;
  /** Points posted in the month: awarded, deducted, spent at the store (net of refunds), expired. */
  issued!: number;
  deducted!: number;
  redeemed!: number;
  expired!: number;
  /** The sum of positive balances at the month's end: what the stores may still be asked for. */
  outstanding!: number;
}

export class DashboardVillageDto extends DashboardFiguresDto {
  villageId!: number;
  name!: string;
  town!: string;
}

export class DashboardDto {
  month!: string;
  /** The town asked for, or null: every town the caller reads. */
  town!: string | null;
  /**
   * When the oldest figure was computed: a village's month is kept while nothing of the village
   * changes (docs/product.md, "The dashboard"); a month two or more back may be kept up to a week,
   * so a very late review of it shows within a week.
   */
  asOf!: Date;
  villages!: DashboardVillageDto[];
  /** Sums of the villages; participation and the median are recomputed, never added. */
  totals!: DashboardFiguresDto;
}

export class TrendMonthDto {
  month!: string;
  households!: number;
  activeHouseholds!: number;
  participation!: number;
  issued!: number;
  redeemed!: number;
}

export class DashboardTrendDto {
  town!: string | null;
  /** Twelve months, oldest first, ending with the month asked for. */
  months!: TrendMonthDto[];
}
