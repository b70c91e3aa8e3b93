import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { IsISO8601, IsIn, IsOptional } from 'class-validator';
import { IsMonthText } from '../common/dto';
import type { Deed } from '../deeds/deed.entity';
import type { Objection } from '../evaluations/objection.entity';
import type { LedgerEntry } from '../ledger/ledger-entry.entity';
import type { RedemptionItem } from '../store/redemption.entity';
import type { VillagerResponseDto } from '../villagers/villagers.dto';
import { EXPORT_FORMATS, type ExportFormat } from './table-stream';
import { VILLAGE_EXPORTS, type VillageExport } from './exports.service';

export class ExportQueryDto {
  /** YYYY-MM: required for the ledger and redemptions, ignored for the roster. */
  @IsMonthText() month?: string;
  /** xlsx (default) or csv (UTF-8 with a BOM). */
  @IsOptional() @IsIn(EXPORT_FORMATS) format?: ExportFormat;
}

export class AuditExportQueryDto {
  /** From this instant (ISO 8601), inclusive. */
  @IsISO8601({ strict: true }) from!: string;
  /** Up to this instant (ISO 8601), exclusive. */
  @IsISO8601({ strict: true }) to!: string;
  /** xlsx (default) or csv (UTF-8 with a BOM). */
  @IsOptional() @IsIn(EXPORT_FORMATS) format?: ExportFormat;
}

/** The `kind` path parameter: roster or ledger. */
@Injectable()
export class ParseVillageExportPipe implements PipeTransform<string, VillageExport> {
  transform(value: string, meta: ArgumentMetadata): VillageExport {
    if (!(VILLAGE_EXPORTS as readonly string[]).includes(value)) {
      throw new BadRequestException(`${meta.data ?? 'kind'} must be one of roster, ledger`);
    }
    return value as VillageExport;
  }
}

export class PersonalHouseholdDto {
  householdNo!: string;
  headName!: string;
  group!: string;
}

export class PersonalRedemptionDto {
  id!: number;
  storeId!: number;
  villagerId!: number;
  villageId!: number;
  total!: number;
  status!: string;
  operatorId!: number;
  createdAt!: Date;
  items!: RedemptionItem[];
}

/** Everything held about one villager (docs/product.md, "A villager's rights"). */
export class PersonalDataDto {
  exportedAt!: Date;
  /** As every answer shows it: the ID number masked. */
  profile!: VillagerResponseDto;
  household!: PersonalHouseholdDto | null;
  entries!: LedgerEntry[];
  deeds!: Deed[];
  redemptions!: PersonalRedemptionDto[];
  objections!: Objection[];
}
