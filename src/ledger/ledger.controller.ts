import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { LedgerService } from './ledger.service';

@ApiTags('ledger')
@ApiBearerAuth()
@Controller('villagers/:id/points')
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Auth('admin', 'cadre', 'villager')
  @Get()
  points(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Query() q: PageQueryDto,
  ) {
    return this.ledger.points(caller, id, q);
  }
}
