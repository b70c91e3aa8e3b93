import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import {
  HouseholdCreateDto,
  HouseholdListQueryDto,
  HouseholdUpdateDto,
  VillageCreateDto,
  VillageListQueryDto,
  VillageUpdateDto,
} from './villages.dto';
import { VillagesService } from './villages.service';

@ApiTags('villages')
@ApiBearerAuth()
@Controller('villages')
export class VillagesController {
  constructor(private readonly villages: VillagesService) {}

  @Auth('admin')
  @Post()
  create(@CurrentUser() caller: Caller, @Body() dto: VillageCreateDto) {
    return this.villages.create(caller, dto);
  }

  @Get()
  list(@CurrentUser() caller: Caller, @Query() q: VillageListQueryDto) {
    return this.villages.list(caller, q);
  }

  @Get(':id')
  get(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.villages.get(caller, id);
  }

  @Auth('admin')
  @Patch(':id')
  update(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: VillageUpdateDto,
  ) {
    return this.villages.update(caller, id, dto);
  }

  @Auth('admin', 'cadre')
  @Post(':villageId/households')
  createHousehold(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Body() dto: HouseholdCreateDto,
  ) {
    return this.villages.createHousehold(caller, villageId, dto);
  }

  @Auth('admin', 'cadre')
  @Patch(':villageId/households/:id')
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
  listHouseholds(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Query() q: HouseholdListQueryDto,
  ) {
    return this.villages.listHouseholds(caller, villageId, q);
  }
}
