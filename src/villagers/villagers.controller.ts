import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { VillagerCreateDto, VillagerListQueryDto, VillagerUpdateDto } from './villagers.dto';
import { VillagersService } from './villagers.service';
import { Endpoint, page } from '../common/api-docs';

@ApiTags('villagers')
@ApiBearerAuth()
@Auth('admin', 'cadre')
@Controller('villagers')
export class VillagersController {
  constructor(private readonly villagers: VillagersService) {}

  @Post()
  @Endpoint({ summary: 'Register a villager', conflicts: ['ID_NUMBER_TAKEN'] })
  create(@CurrentUser() caller: Caller, @Body() dto: VillagerCreateDto) {
    return this.villagers.create(caller, dto);
  }

  @Get()
  @Endpoint({
    summary: 'Search and list villagers',
    ok: page('VillagerResponseDto'),
  })
  list(@CurrentUser() caller: Caller, @Query() q: VillagerListQueryDto) {
    return this.villagers.list(caller, q);
  }

  @Get(':id')
  @Endpoint({ summary: 'One villager' })
  get(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.villagers.get(caller, id);
  }

  @Patch(':id')
  @Endpoint({
    summary: 'Change a villager’s details or status',
    conflicts: ['ID_NUMBER_TAKEN'],
  })
  update(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: VillagerUpdateDto,
  ) {
    return this.villagers.update(caller, id, dto);
  }

  /** 迁出 or 已故 only (an active villager is 409); the ledger stays whole. */
  @Auth('admin')
  @Post(':id/anonymize')
  @HttpCode(200)
  @Endpoint({
    summary: 'Anonymise a villager who moved away or died (name, ID number, phone, birth date)',
    conflicts: ['VILLAGER_ACTIVE'],
  })
  anonymize(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.villagers.anonymize(caller, id);
  }
}
