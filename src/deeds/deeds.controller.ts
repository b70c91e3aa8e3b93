import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { IdempotencyKey } from '../common/idempotency';
import { ParseIdPipe } from '../common/ids';
import { DeedBulkCreateDto, DeedCreateDto, DeedListQueryDto, DeedReasonDto } from './deeds.dto';
import { DeedsService } from './deeds.service';

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
  bulk(@CurrentUser() caller: Caller, @Body() dto: DeedBulkCreateDto) {
    return this.deeds.bulk(caller, dto);
  }

  @Auth('admin', 'cadre', 'villager')
  @Get()
  list(@CurrentUser() caller: Caller, @Query() q: DeedListQueryDto) {
    return this.deeds.list(caller, q);
  }

  @Auth('admin', 'cadre', 'villager')
  @Get(':id')
  get(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.deeds.get(caller, id);
  }

  @Auth('cadre')
  @Post(':id/approve')
  @HttpCode(200)
  approve(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.deeds.approve(caller, id);
  }

  @Auth('cadre')
  @Post(':id/reject')
  @HttpCode(200)
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
  revoke(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: DeedReasonDto,
  ) {
    return this.deeds.revoke(caller, id, dto.reason);
  }
}
