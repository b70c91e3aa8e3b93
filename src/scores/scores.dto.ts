import { ApiProperty } from '@nestjs/swagger';
import {
  ArgumentMetadata,
  BadRequestException,
  Injectable,
  type PipeTransform,
} from '@nestjs/common';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { CodePointLength, NameText, Trim } from '../common/dto';
import { EXPORT_FORMATS, type ExportFormat } from '../exports/table-stream';
import { INCIDENT_KINDS, type IncidentKind } from './incident.entity';
import { isQuarter, QUARTER_RULE } from './score-formula';
import { PUBLICATION_STATUSES, type PublicationStatus } from '../evaluations/publicity';

/** A quarter in a path, YYYY-Qn; else 400 naming the parameter. */
@Injectable()
export class ParseQuarterPipe implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (!isQuarter(value))
      throw new BadRequestException(`${meta.data ?? 'quarter'} must be ${QUARTER_RULE}`);
    return value;
  }
}

/** A town's name in a path (villages.town): 1–50 characters; else 400 naming the parameter. */
@Injectable()
export class ParseTownPipe implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    const n = [...value].length;
    if (n < 1 || n > 50 || value.trim() !== value) {
      throw new BadRequestException(
        `${meta.data ?? 'town'} must be a town's name, 1-50 characters`,
      );
    }
    return value.normalize('NFC');
  }
}

export class IncidentCreateDto {
  /** Which "zero" was broken. */
  @ApiProperty({ enum: INCIDENT_KINDS })
  @IsIn(INCIDENT_KINDS)
  kind!: IncidentKind;
  /** The day it happened, YYYY-MM-DD, not in the future (district time zone). */
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'occurredOn must be a date YYYY-MM-DD' })
  occurredOn!: string;
  /** What happened, in a sentence or two. */
  @NameText(1, 500) description!: string;
}

export class IncidentRevokeDto {
  /** Why the incident no longer counts. */
  @Trim() @IsString() @CodePointLength(1, 500) reason!: string;
}

export class ScoresExportQueryDto {
  /** xlsx (default) or csv (UTF-8 with a BOM). */
  @IsOptional() @IsIn(EXPORT_FORMATS) format?: ExportFormat;
}

export class ScorePartsDto {
  /** The quarter's mean monthly participation × 40. */
  participation!: number;
  /** Net points per household, relative to the town's best, × 30. */
  points!: number;
  /** 30 less 10 a (non-revoked) incident of the quarter, at least 0. */
  incidents!: number;
}

export class VillageScoreDto {
  villageId!: number;
  name!: string;
  /** 1 is best; equal scores share a rank (1, 1, 3). */
  rank!: number;
  /** 0–100, one decimal: the sum of the parts. */
  score!: number;
  parts!: ScorePartsDto;
}

export class TownScoresDto {
  /** YYYY-Qn */
  quarter!: string;
  town!: string;
  /** draft until published, then publicity (公示) for 7 days, then final. */
  @ApiProperty({ enum: PUBLICATION_STATUSES })
  status!: PublicationStatus;
  /** 0 for a draft; counts up each time the quarter is published again during publicity. */
  revision!: number;
  publishedAt!: Date | null;
  /** The last moment of the publicity window; null for a draft. */
  publicityEndsAt!: Date | null;
  /** Best first; a published quarter's as frozen at publication. */
  villages!: VillageScoreDto[];
}
