import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { ExportQueryDto, ParseVillageExportPipe } from './exports.dto';
import { ExportsService, VILLAGE_EXPORTS, type VillageExport } from './exports.service';
import { CONTENT_TYPES } from './table-stream';

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
  village(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Param('kind', ParseVillageExportPipe) kind: VillageExport,
    @Query() q: ExportQueryDto,
  ) {
    return this.exports.village(caller, villageId, kind, q);
  }

  @Auth('admin')
  @Get('exports/:kind')
  @ApiParam(kindParam)
  district(
    @CurrentUser() caller: Caller,
    @Param('kind', ParseVillageExportPipe) kind: VillageExport,
    @Query() q: ExportQueryDto,
  ) {
    return this.exports.district(caller, kind, q);
  }

  @Auth('admin', 'shopkeeper')
  @Get('stores/:storeId/exports/redemptions')
  redemptions(
    @CurrentUser() caller: Caller,
    @Param('storeId', ParseIdPipe) storeId: number,
    @Query() q: ExportQueryDto,
  ) {
    return this.exports.redemptions(caller, storeId, q);
  }
}
