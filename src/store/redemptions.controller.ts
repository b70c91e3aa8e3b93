import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { IdempotencyKey } from '../common/idempotency';
import { RedemptionCancelDto, RedemptionCreateDto, RedemptionListQueryDto } from './store.dto';
import { RedemptionsService } from './redemptions.service';

@ApiTags('store')
@ApiBearerAuth()
@Controller('redemptions')
export class RedemptionsController {
  constructor(private readonly redemptions: RedemptionsService) {}

  @Auth('shopkeeper')
  @Post()
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'A retry with the same key and body returns the first redemption, never a second debit',
  })
  redeem(
    @CurrentUser() caller: Caller,
    @Body() dto: RedemptionCreateDto,
    @IdempotencyKey() key?: string,
  ) {
    return this.redemptions.redeem(caller, dto, key);
  }

  @Auth('admin', 'shopkeeper', 'villager')
  @Get()
  list(@CurrentUser() caller: Caller, @Query() q: RedemptionListQueryDto) {
    return this.redemptions.list(caller, q);
  }

  @Auth('admin', 'shopkeeper', 'villager')
  @Get(':id')
  get(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.redemptions.get(caller, id);
  }

  @Auth('admin', 'shopkeeper')
  @Post(':id/cancel')
  @HttpCode(200)
  cancel(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: RedemptionCancelDto,
  ) {
    return this.redemptions.cancel(caller, id, dto);
  }
}
