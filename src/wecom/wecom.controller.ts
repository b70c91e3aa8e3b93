import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Endpoint, page } from '../common/api-docs';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import type { Delivery } from './delivery.entity';
import { WecomWebhookDto, type WecomSettingsDto } from './wecom.dto';
import { WecomService } from './wecom.service';

/** The village's 企业微信 group robot and what was sent to it (docs/product.md, "Notices"). */
@ApiTags('wecom')
@ApiBearerAuth()
@Controller('villages/:villageId')
export class WecomController {
  constructor(private readonly wecom: WecomService) {}

  @Auth('admin', 'cadre')
  @Get('wecom')
  @Endpoint({ summary: 'Whether the village’s group robot is set, and a hint of which' })
  settings(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
  ): Promise<WecomSettingsDto> {
    return this.wecom.settings(caller, villageId);
  }

  @Auth('admin', 'cadre')
  @Put('wecom')
  @Endpoint({
    summary: 'Set the group robot’s webhook (only WECOM_ALLOWED_HOSTS), or null to stop',
  })
  setWebhook(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Body() dto: WecomWebhookDto,
  ): Promise<WecomSettingsDto> {
    return this.wecom.setWebhook(caller, villageId, dto.url);
  }

  @Auth('admin', 'cadre')
  @Post('wecom/test')
  @HttpCode(200)
  @Endpoint({ summary: '发送测试消息: post a test message to the group now; how it went' })
  test(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
  ): Promise<Delivery> {
    return this.wecom.sendTest(caller, villageId);
  }

  @Auth('admin', 'cadre')
  @Get('deliveries')
  @Endpoint({
    summary: 'Messages for the village’s group: sent, failed and waiting, newest first',
    ok: page('Delivery'),
  })
  deliveries(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Query() q: PageQueryDto,
  ) {
    return this.wecom.deliveries(caller, villageId, q);
  }
}
