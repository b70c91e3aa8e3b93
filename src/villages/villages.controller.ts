import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import {
  DisplayKeyDto,
  HouseholdCreateDto,
  HouseholdListQueryDto,
  HouseholdUpdateDto,
  VillageCreateDto,
  VillageListQueryDto,
  VillageUpdateDto,
} from './villages.dto';
import { VillagesService } from './villages.service';
import { Endpoint, page } from '../common/api-docs';

@ApiTags('villages')
@ApiBearerAuth()
@Controller('villages')
export class VillagesController {
  constructor(private readonly villages: VillagesService) {}

  @Auth('admin')
  @Post()
  @Endpoint({ summary: 'Create a village', conflicts: ['VILLAGE_CODE_TAKEN'] })
  create(@CurrentUser() caller: Caller, @Body() dto: VillageCreateDto) {
    return this.villages.create(caller, dto);
  }

  @Get()
  @Endpoint({ summary: 'List the villages the caller may see', ok: page('Village') })
  list(@CurrentUser() caller: Caller, @Query() q: VillageListQueryDto) {
    return this.villages.list(caller, q);
  }

  @Get(':id')
  @Endpoint({ summary: 'One village' })
  get(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.villages.get(caller, id);
  }

  @Auth('admin', 'cadre')
  @Patch(':id')
  @Endpoint({
    summary: 'Change a village’s name, town or settings (its cadre: the board settings only)',
  })
  update(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: VillageUpdateDto,
  ) {
    return this.villages.update(caller, id, dto);
  }

  /** A new display key for the village's own screens; the old one stops working. */
  @Auth('admin', 'cadre')
  @Post(':villageId/display-key')
  @Endpoint({
    summary: 'A new display key: ?key= on the public board shows full names (the old key stops)',
  })
  rotateDisplayKey(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
  ): Promise<DisplayKeyDto> {
    return this.villages.rotateDisplayKey(caller, villageId);
  }

  @Auth('admin', 'cadre')
  @Post(':villageId/households')
  @Endpoint({
    summary: 'Create a household in a village',
    conflicts: ['HOUSEHOLD_NO_TAKEN'],
  })
  createHousehold(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Body() dto: HouseholdCreateDto,
  ) {
    return this.villages.createHousehold(caller, villageId, dto);
  }

  @Auth('admin', 'cadre')
  @Patch(':villageId/households/:id')
  @Endpoint({
    summary: 'Correct a household’s number, head or 村民小组',
    conflicts: ['HOUSEHOLD_NO_TAKEN'],
  })
  updateHousehold(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: HouseholdUpdateDto,
  ) {
    return this.villages.updateHousehold(caller, villageId, id, dto);
  }

  @Auth('admin', 'cadre')
  @Get(':villageId/households')
  @Endpoint({
    summary: 'List a village’s households',
    ok: page('Household'),
  })
  listHouseholds(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Query() q: HouseholdListQueryDto,
  ) {
    return this.villages.listHouseholds(caller, villageId, q);
  }
}
