import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { CounterVillagerQueryDto } from './counter.dto';
import { CounterService } from './counter.service';

/** The shop counter's reads: find a villager without a card, and today's receipts. */
@ApiTags('store')
@ApiBearerAuth()
@Auth('admin', 'shopkeeper')
@Controller('stores/:id')
export class CounterController {
  constructor(private readonly counter: CounterService) {}

  @Get('villagers')
  villagers(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Query() q: CounterVillagerQueryDto,
  ) {
    return this.counter.searchVillagers(caller, id, q);
  }

  @Get('redemptions/today')
  today(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Query() q: PageQueryDto,
  ) {
    return this.counter.today(caller, id, q);
  }
}
