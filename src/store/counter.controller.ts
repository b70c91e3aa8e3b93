import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { CounterVillagerQueryDto } from './counter.dto';
import { CounterService } from './counter.service';
import { Endpoint, page } from '../common/api-docs';

/** The shop counter's reads: find a villager without a card, and today's receipts. */
@ApiTags('store')
@ApiBearerAuth()
@Auth('admin', 'shopkeeper')
@Controller('stores/:id')
export class CounterController {
  constructor(private readonly counter: CounterService) {}

  @Get('villagers')
  @Endpoint({
    summary: 'Find active villagers of the villages a store serves by name, for the counter',
    ok: page('CounterVillagerDto'),
  })
  villagers(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Query() q: CounterVillagerQueryDto,
  ) {
    return this.counter.searchVillagers(caller, id, q);
  }

  @Get('redemptions/today')
  @Endpoint({
    summary: 'A store’s redemptions of today with names, newest first',
    ok: page('CounterRedemptionDto'),
  })
  today(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Query() q: PageQueryDto,
  ) {
    return this.counter.today(caller, id, q);
  }
}
