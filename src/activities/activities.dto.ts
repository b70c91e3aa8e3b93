import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CodePointLength, NameText, Optional, Trim } from '../common/dto';
import { IsId } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { BULK_OUTCOMES, type BulkOutcome } from '../deeds/deed-batch.entity';
import { MAX_BULK_VILLAGERS } from '../deeds/deeds.dto';
import {
  ACTIVITY_STATUSES,
  CHECKIN_WAYS,
  type ActivityStatus,
  type CheckinWay,
} from './activity.entity';

/** A moment with its offset, e.g. 2026-12-08T08:00:00+08:00: unambiguous wherever it is sent from. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const Instant = (field: string) =>
  Matches(INSTANT, {
    message: `${field} must be a date and time with its offset, e.g. 2026-12-08T08:00:00+08:00`,
  });

export class ActivityCreateDto {
  /** e.g. 义务劳动：清理村口河道 */
  @NameText(1, 100) title!: string;
  /** The rule awarded to each participant at the close: positive, of the village, no evidence. */
  @IsId() ruleId!: number;
  @ApiProperty({ format: 'date-time' }) @IsString() @Instant('startsAt') startsAt!: string;
  @ApiProperty({ format: 'date-time' }) @IsString() @Instant('endsAt') endsAt!: string;
  /** Where to gather, e.g. 村委会门口 */
  @NameText(1, 100) place!: string;
  /** At most this many participants (at most the bulk award's limit); absent: that limit. */
  @Optional() @IsInt() @Min(1) @Max(MAX_BULK_VILLAGERS) capacity?: number;
  /**
   * Volunteer hours credited to each participant, 0.5–24 in steps of 0.1; absent: the activity's
   * length, rounded to half hours.
   */
  @Optional() @IsNumber({ maxDecimalPlaces: 1 }) @Min(0.5) @Max(24) hoursPerPerson?: number;
}

export class ActivityListQueryDto extends PageQueryDto {
  /** `upcoming`: open and not over, soonest first; `past`: the rest, latest first; absent: all, latest first. */
  @ApiPropertyOptional({ enum: ['upcoming', 'past'] })
  @IsOptional()
  @IsIn(['upcoming', 'past'])
  when?: 'upcoming' | 'past';
}

/** A sign-up: a villager signs up themselves (no body); a cadre names the villager (a walk-in). */
export class SignupCreateDto {
  @Optional() @IsId() villagerId?: number;
}

/** A check-in: a cadre names the villager (a card scanned, a name picked); a villager sends the QR's token. */
export class CheckinCreateDto {
  @Optional() @IsId() villagerId?: number;
  @Optional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{16,64}$/, { message: 'token must be the check-in code of the QR' })
  token?: string;
}

export class ActivityCancelDto {
  /** Told to those signed up. */
  @Trim() @IsString() @CodePointLength(1, 500) reason!: string;
}

/** The caller's own place at the activity (a villager's answers only). */
export class MyPlaceDto {
  signedUp!: boolean;
  checkedIn!: boolean;
  /** What the close gave me: null while open or when I did not check in. */
  @ApiProperty({ enum: BULK_OUTCOMES, nullable: true }) outcome!: BulkOutcome | null;
  /** The points the close gave me (0 when refused); null until then. */
  points!: number | null;
  /** Volunteer hours credited to me at the close; null until then. */
  hours!: number | null;
}

export class ActivityDto {
  id!: number;
  villageId!: number;
  title!: string;
  ruleId!: number;
  /** The rule's title and points as they stand now (the close awards them). */
  ruleTitle!: string;
  points!: number;
  @ApiProperty({ format: 'date-time' }) startsAt!: Date;
  @ApiProperty({ format: 'date-time' }) endsAt!: Date;
  place!: string;
  /** null: the bulk award's limit. */
  capacity!: number | null;
  hoursPerPerson!: number;
  @ApiProperty({ enum: ACTIVITY_STATUSES }) status!: ActivityStatus;
  /** Participants: signed up or walked in. */
  signedUp!: number;
  checkedIn!: number;
  cancelReason!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) closedAt!: Date | null;
  /** A villager's own sign-up and check-in; null for other callers. */
  mine!: MyPlaceDto | null;
}

export class ParticipantResultDto {
  villagerId!: number;
  name!: string;
  @ApiProperty({ enum: BULK_OUTCOMES }) outcome!: BulkOutcome;
  deedId?: number;
  /** The points awarded: the rule's at the close, or 0 when refused. */
  points!: number;
  hours!: number;
}

/** A closed activity with what each participant was given. */
export class ActivityClosedDto extends ActivityDto {
  results!: ParticipantResultDto[];
}

export class ActivityPageDto {
  items!: ActivityDto[];
  total!: number;
  page!: number;
  pageSize!: number;
}

export class SignupDto {
  villagerId!: number;
  name!: string;
  /** Tells same-name villagers apart at the venue. */
  householdNo!: string | null;
  @ApiProperty({ format: 'date-time' }) signedUpAt!: Date;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) checkedInAt!: Date | null;
  @ApiProperty({ enum: CHECKIN_WAYS, nullable: true }) checkedInVia!: CheckinWay | null;
}

/** A participant as the cadre's list shows them: after the close, with what they were given. */
export class ParticipantDto extends SignupDto {
  /** The close's outcome for them; null while open or when they did not check in. */
  @ApiProperty({ enum: BULK_OUTCOMES, nullable: true }) outcome!: BulkOutcome | null;
  /** Volunteer hours credited at the close; null until then. */
  hours!: number | null;
}

export class CheckinTokenDto {
  /** Goes into the QR shown at the venue, as /activities/:id/checkin?t=<token>. */
  token!: string;
  @ApiProperty({ format: 'date-time' }) validFrom!: Date;
  @ApiProperty({ format: 'date-time' }) validUntil!: Date;
}

export class VolunteerItemDto {
  activityId!: number;
  title!: string;
  /** The activity's day (district time zone). */
  @ApiProperty({ format: 'date' }) date!: string;
  hours!: number;
  /** Who organised, recorded and certifies it (谁组织谁记录，谁记录谁证明). */
  organiser!: string;
}

export class VolunteerRecordDto {
  villagerId!: number;
  name!: string;
  /** The village, for the seal on the printed 志愿服务记录证明. */
  villageName!: string;
  totalHours!: number;
  items!: VolunteerItemDto[];
}
