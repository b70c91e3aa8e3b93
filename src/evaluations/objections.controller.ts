import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { ParseMonthPipe } from './evaluations.dto';
import { ObjectionCreateDto, ObjectionListQueryDto, ObjectionResolveDto } from './objections.dto';
import { ObjectionsService } from './objections.service';
import { Endpoint, page } from '../common/api-docs';

@ApiTags('evaluations')
@ApiBearerAuth()
@Controller()
export class ObjectionsController {
  constructor(private readonly objections: ObjectionsService) {}

  /** During publicity: a villager for themselves, a cadre for a walk-in (filedByName). */
  @Auth('villager', 'cadre')
  @Post('villages/:villageId/evaluations/:month/objections')
  @Endpoint({
    summary: 'File an objection during publicity (a villager, or a cadre for a walk-in)',
    conflicts: ['NOT_IN_PUBLICITY'],
    errors: { 429: 'A villager’s fourth open objection of the month (TOO_MANY_OBJECTIONS)' },
  })
  file(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Param('month', ParseMonthPipe) month: string,
    @Body() dto: ObjectionCreateDto,
  ) {
    return this.objections.file(caller, villageId, month, dto);
  }

  @Auth('admin', 'cadre', 'villager')
  @Get('villages/:villageId/evaluations/:month/objections')
  @Endpoint({
    summary: 'The month’s objections (a villager sees their own)',
    ok: page('ObjectionItemDto'),
  })
  list(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Param('month', ParseMonthPipe) month: string,
    @Query() q: ObjectionListQueryDto,
  ) {
    return this.objections.list(caller, villageId, month, q);
  }

  /** Dismissed or upheld, with the reason; an upheld objection lets the cadre republish. */
  @Auth('cadre')
  @Post('objections/:id/resolve')
  @HttpCode(200)
  @Endpoint({
    summary: 'Dismiss or uphold an objection with a reason (an upheld one reopens the month)',
    conflicts: ['ALREADY_RESOLVED'],
  })
  resolve(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: ObjectionResolveDto,
  ) {
    return this.objections.resolve(caller, id, dto);
  }
}
