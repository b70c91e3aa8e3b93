import { Body, Controller, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { Endpoint } from '../common/api-docs';
import { ExpiryRunDto, PointsPolicyDto, PointsPolicyUpdateDto } from './settlement.dto';
import { SettlementService } from './settlement.service';

@ApiTags('settlement')
@ApiBearerAuth()
@Auth('admin')
@Controller('settings/points')
export class SettlementController {
  constructor(private readonly settlement: SettlementService) {}

  @Get()
  @Endpoint({
    summary: 'The district’s points policy (积分清零): keep, expire after months, or year end',
  })
  get(): Promise<PointsPolicyDto> {
    return this.settlement.get();
  }

  @Patch()
  @Endpoint({ summary: 'Change the points policy; a change expires nothing for 30 days' })
  update(
    @CurrentUser() caller: Caller,
    @Body() dto: PointsPolicyUpdateDto,
  ): Promise<PointsPolicyDto> {
    return this.settlement.update(caller, dto);
  }

  @Post('run')
  @HttpCode(200)
  @Endpoint({
    summary: 'Run today’s expiry now (each villager’s expiry is posted once per period)',
  })
  run(@CurrentUser() caller: Caller): Promise<ExpiryRunDto> {
    return this.settlement.run(caller);
  }
}
