import { Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { HouseholdsService } from './households.service';

@ApiTags('households')
@ApiBearerAuth()
@Controller()
export class HouseholdsController {
  constructor(private readonly households: HouseholdsService) {}

  /** 户积分: the members' balances summed, with the members and their history. */
  @Auth('admin', 'cadre', 'villager')
  @Get('households/:id/points')
  points(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Query() q: PageQueryDto,
  ) {
    return this.households.points(caller, id, q);
  }

  /** Issues (or reissues) the household's card; its older cards stop working at once. */
  @Auth('cadre')
  @Post('households/:id/card')
  issueCard(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.households.issueCard(caller, id);
  }

  /** The household of a scanned card (active members only), for the counter. */
  @Auth('shopkeeper', 'cadre')
  @Get('cards/:token')
  card(@CurrentUser() caller: Caller, @Param('token') token: string, @Query() q: PageQueryDto) {
    return this.households.card(caller, token, q);
  }
}
