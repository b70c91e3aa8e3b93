import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { Optional } from '../common/dto';
import { POINTS_POLICIES, type PointsPolicyName } from '../ledger/points-policy.entity';

/** The district's points policy: keep points, expire them after some months, or at each year end. */
export class PointsPolicyUpdateDto {
  @ApiProperty({ enum: POINTS_POLICIES })
  @IsIn(POINTS_POLICIES)
  policy!: PointsPolicyName;
  /** With expireAfterMonths (required there, refused otherwise): points age this many months. */
  @Optional() @IsInt() @Min(1) @Max(120) months?: number;
}

export class PointsPolicyDto {
  @ApiProperty({ enum: POINTS_POLICIES })
  policy!: PointsPolicyName;
  months!: number | null;
  /** When the policy was last changed; null: never set (keep). */
  changedAt!: Date | null;
  /** The first day it may expire anything (30 days after the change); null under keep. */
  effectiveFrom!: string | null;
}

export class ExpiryRunDto {
  /** The period expired (e.g. D2026-12-07, Y2026), or null when nothing is due today. */
  period!: string | null;
  /** Villagers whose points expired in this run, and how many points. */
  villagers!: number;
  points!: number;
}
