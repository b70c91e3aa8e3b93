import { Controller, Get, Ip, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { AuditExportQueryDto, ExportQueryDto, ParseVillageExportPipe } from './exports.dto';
import { ExportsService, VILLAGE_EXPORTS, type VillageExport } from './exports.service';
import { CONTENT_TYPES } from './table-stream';
import { Endpoint, EXPORT_CONTENT } from '../common/api-docs';

const kindParam = { name: 'kind', enum: VILLAGE_EXPORTS };

@ApiTags('exports')
@ApiBearerAuth()
@ApiProduces(CONTENT_TYPES.xlsx, CONTENT_TYPES.csv)
@Controller()
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Auth('admin', 'cadre')
  @Get('villages/:villageId/exports/:kind')
  @ApiParam(kindParam)
  @Endpoint({
    summary: 'Export a village’s roster or a month of its ledger as XLSX or CSV (streamed)',
    okContent: EXPORT_CONTENT,
  })
  village(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Param('kind', ParseVillageExportPipe) kind: VillageExport,
    @Query() q: ExportQueryDto,
    @Ip() ip: string | undefined,
  ) {
    return this.exports.village(caller, villageId, kind, q, ip ?? null);
  }

  @Auth('admin')
  @Get('exports/:kind')
  @ApiParam(kindParam)
  @Endpoint({
    summary: 'Export every village’s roster or a month of their ledgers (administrators)',
    okContent: EXPORT_CONTENT,
  })
  district(
    @CurrentUser() caller: Caller,
    @Param('kind', ParseVillageExportPipe) kind: VillageExport,
    @Query() q: ExportQueryDto,
    @Ip() ip: string | undefined,
  ) {
    return this.exports.district(caller, kind, q, ip ?? null);
  }

  /** A copy of everything held about me (a villager). */
  @Auth('villager')
  @Get('me/data')
  @Endpoint({ summary: 'A copy of everything held about the calling villager (JSON)' })
  myData(@CurrentUser() caller: Caller, @Ip() ip: string | undefined) {
    return this.exports.personalData(caller, caller.villagerId ?? -1, ip ?? null);
  }

  /** The same for a villager of the cadre's village, e.g. one without an account. */
  @Auth('admin', 'cadre')
  @Get('villagers/:id/data')
  @Endpoint({ summary: 'A copy of everything held about a villager (JSON)' })
  villagerData(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Ip() ip: string | undefined,
  ) {
    return this.exports.personalData(caller, id, ip ?? null);
  }

  @Auth('admin')
  @Get('audit/export')
  @Endpoint({
    summary: 'Export the audit trail between two instants as XLSX or CSV (administrators)',
    okContent: EXPORT_CONTENT,
  })
  auditTrail(
    @CurrentUser() caller: Caller,
    @Query() q: AuditExportQueryDto,
    @Ip() ip: string | undefined,
  ) {
    return this.exports.auditTrail(caller, q, ip ?? null);
  }

  @Auth('admin', 'shopkeeper')
  @Get('stores/:storeId/exports/redemptions')
  @Endpoint({
    summary: 'Export a month of a store’s redemptions as XLSX or CSV (streamed)',
    okContent: EXPORT_CONTENT,
  })
  redemptions(
    @CurrentUser() caller: Caller,
    @Param('storeId', ParseIdPipe) storeId: number,
    @Query() q: ExportQueryDto,
    @Ip() ip: string | undefined,
  ) {
    return this.exports.redemptions(caller, storeId, q, ip ?? null);
  }
}
