import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { QueryBool } from '../common/dto';

export class RosterImportQueryDto {
  /** true: check every row and report, change nothing. */
  @IsOptional()
  @QueryBool()
  @IsBoolean()
  dryRun?: boolean;
  /** json (default): the report; xlsx: the uploaded rows with a 错误说明 column. */
  @IsOptional() @IsIn(['json', 'xlsx']) format?: 'json' | 'xlsx';
}

export class RosterRowErrorDto {
  /** The row as Excel numbers it (the header is row 1). */
  row!: number;
  /** The column's header (e.g. 身份证号), or null for the whole row. */
  column!: string | null;
  message!: string;
}

export class RosterImportReportDto {
  /** Villagers that are (or, in a dry run, would be) registered. */
  created!: number;
  updated!: number;
  unchanged!: number;
  errors!: RosterRowErrorDto[];
}
