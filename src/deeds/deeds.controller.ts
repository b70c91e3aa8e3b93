import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { IdempotencyKey } from '../common/idempotency';
import { ParseIdPipe } from '../common/ids';
import { DeedBulkCreateDto, DeedCreateDto, DeedListQueryDto, DeedReasonDto } from './deeds.dto';
import { DeedsService } from './deeds.service';
import { deedWithBalance, Endpoint, page } from '../common/api-docs';

@ApiTags('deeds')
@ApiBearerAuth()
@Controller('deeds')
export class DeedsController {
  constructor(private readonly deeds: DeedsService) {}

  @Auth('cadre', 'villager')
  @Post()
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'A retry with the same key and body returns the first deed, never a second award',
  })
  @Endpoint({
    summary: 'Record a deed (cadre: approved at once) or self-report one (villager)',
    ok: deedWithBalance,
    conflicts: [
      'VILLAGER_NOT_ACTIVE',
      'RULE_INACTIVE',
      'MONTHLY_CAP_REACHED',
      'IDEMPOTENCY_KEY_REUSED',
      'BALANCE_LIMIT',
    ],
    errors: { 429: 'A villager’s 21st self-report in 24 hours (TOO_MANY_REPORTS)' },
  })
  create(
    @CurrentUser() caller: Caller,
    @Body() dto: DeedCreateDto,
    @IdempotencyKey() key?: string,
  ) {
    return this.deeds.create(caller, dto, key);
  }

  /** 批量记分: one rule for many villagers of the cadre's village, with a result for each. */
  @Auth('cadre')
  @Post('bulk')
  @HttpCode(200)
  @Endpoint({
    summary: 'Award one rule to many villagers of the village at once (批量记分)',
    conflicts: ['RULE_INACTIVE', 'IDEMPOTENCY_KEY_REUSED'],
  })
  bulk(@CurrentUser() caller: Caller, @Body() dto: DeedBulkCreateDto) {
    return this.deeds.bulk(caller, dto);
  }

  @Auth('admin', 'cadre', 'villager')
  @Get()
  @Endpoint({ summary: 'List deeds', ok: page('Deed') })
  list(@CurrentUser() caller: Caller, @Query() q: DeedListQueryDto) {
    return this.deeds.list(caller, q);
  }

  @Auth('admin', 'cadre', 'villager')
  @Get(':id')
  @Endpoint({ summary: 'One deed' })
  get(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.deeds.get(caller, id);
  }

  @Auth('cadre')
  @Post(':id/approve')
  @HttpCode(200)
  @Endpoint({
    summary: 'Approve a self-reported deed (posts its points)',
    ok: deedWithBalance,
    conflicts: ['INVALID_TRANSITION', 'RULE_INACTIVE', 'MONTHLY_CAP_REACHED', 'BALANCE_LIMIT'],
  })
  approve(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.deeds.approve(caller, id);
  }

  @Auth('cadre')
  @Post(':id/reject')
  @HttpCode(200)
  @Endpoint({
    summary: 'Reject a self-reported deed with a reason',
    conflicts: ['INVALID_TRANSITION'],
  })
  reject(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: DeedReasonDto,
  ) {
    return this.deeds.reject(caller, id, dto.reason);
  }

  @Auth('cadre')
  @Post(':id/revoke')
  @HttpCode(200)
  @Endpoint({
    summary: 'Revoke an approved deed (posts a reversal; the balance may go below zero)',
    ok: deedWithBalance,
    conflicts: ['INVALID_TRANSITION', 'BALANCE_LIMIT'],
  })
  revoke(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: DeedReasonDto,
  ) {
    return this.deeds.revoke(caller, id, dto.reason);
  }
}
