import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { IdempotencyKey } from '../common/idempotency';
import { RedemptionCancelDto, RedemptionCreateDto, RedemptionListQueryDto } from './store.dto';
import { RedemptionsService } from './redemptions.service';
import { Endpoint, page } from '../common/api-docs';

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
  @Endpoint({
    summary: 'Redeem goods for points (idempotent with an Idempotency-Key)',
    conflicts: [
      'INSUFFICIENT_POINTS',
      'OUT_OF_STOCK',
      'VILLAGE_NOT_SERVED',
      'GOODS_INACTIVE',
      'VILLAGER_NOT_ACTIVE',
      'PRICE_CHANGED',
      'IDEMPOTENCY_KEY_REUSED',
    ],
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
  @Endpoint({ summary: 'List redemptions', ok: page('RedemptionResponseDto') })
  list(@CurrentUser() caller: Caller, @Query() q: RedemptionListQueryDto) {
    return this.redemptions.list(caller, q);
  }

  @Auth('admin', 'shopkeeper', 'villager')
  @Get(':id')
  @Endpoint({ summary: 'One redemption (the receipt)' })
  get(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.redemptions.get(caller, id);
  }

  @Auth('admin', 'shopkeeper')
  @Post(':id/cancel')
  @HttpCode(200)
  @Endpoint({
    summary: 'Cancel a redemption with a reason (refunds and restocks once)',
    conflicts: ['ALREADY_CANCELLED'],
  })
  cancel(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: RedemptionCancelDto,
  ) {
    return this.redemptions.cancel(caller, id, dto);
  }
}
