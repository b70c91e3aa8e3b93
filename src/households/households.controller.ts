import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { CardBatchCreateDto } from './households.dto';
import { HouseholdsService } from './households.service';
import type { InactiveHouseholdsDto } from './inactive.dto';
import { InactiveHouseholdsService } from './inactive.service';
import type { StatementsDto } from './statements.dto';
import { StatementsService } from './statements.service';
import { ParseMonthPipe } from '../evaluations/evaluations.dto';
import { Endpoint, householdPoints } from '../common/api-docs';

@ApiTags('households')
@ApiBearerAuth()
@Controller()
export class HouseholdsController {
  constructor(
    private readonly households: HouseholdsService,
    private readonly statementsOf: StatementsService,
    private readonly inactive: InactiveHouseholdsService,
  ) {}

  /** 户积分: the members' balances summed, with the members and their history. */
  @Auth('admin', 'cadre', 'villager')
  @Get('households/:id/points')
  @Endpoint({
    summary: 'A household’s points (户积分): members, their balances and entries',
    ok: householdPoints,
  })
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
  @Endpoint({
    summary: 'Issue or reissue a household’s card (older cards stop working)',
  })
  issueCard(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.households.issueCard(caller, id);
  }

  /** A sheet of fresh cards for chosen households or the whole village (older cards stop working). */
  @Auth('cadre')
  @Post('villages/:villageId/cards')
  @Endpoint({
    summary:
      'Issue fresh cards for chosen households or the whole village, for printing (older cards stop working)',
  })
  issueCards(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Body() dto: CardBatchCreateDto,
  ) {
    return this.households.issueCards(caller, villageId, dto);
  }

  /** The household of a scanned card (active members only), for the counter. */
  @Auth('shopkeeper', 'cadre')
  @Get('cards/:token')
  @Endpoint({
    summary: 'The household of a scanned card (active members only), for the counter',
    ok: householdPoints,
    errors: { 429: 'Too many card lookups; wait a minute' },
  })
  card(@CurrentUser() caller: Caller, @Param('token') token: string, @Query() q: PageQueryDto) {
    return this.households.card(caller, token, q);
  }

  /** 家庭积分对账单: every household's month on paper, for the cadre to hand out. */
  @Auth('admin', 'cadre')
  @Get('villages/:villageId/statements/:month')
  @Endpoint({
    summary:
      'Household statements (家庭积分对账单) of a month: balances at its end, entries, redemptions, 公示',
  })
  statements(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Param('month', ParseMonthPipe) month: string,
  ): Promise<StatementsDto> {
    return this.statementsOf.month(caller, villageId, month);
  }

  /** 该走访的家庭: no approved deed in three months, the longest quiet first. */
  @Auth('admin', 'cadre')
  @Get('villages/:villageId/inactive-households')
  @Endpoint({ summary: 'Households without an approved deed in three months, to visit' })
  inactiveHouseholds(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
  ): Promise<InactiveHouseholdsDto> {
    return this.inactive.list(caller, villageId);
  }
}
