import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../common/api-docs';
import { Auth, Caller, CurrentUser, OwnAccount } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { NoticesReadDto, type NoticePageDto, type NoticesUnreadDto } from './notices.dto';
import { NoticesService } from './notices.service';
import { BroadcastScript } from './broadcast';

/** The notice centre: every account's own notices (docs/product.md, "Notices"). */
@ApiTags('notices')
@ApiBearerAuth()
@Controller('me/notices')
export class NoticesController {
  constructor(private readonly notices: NoticesService) {}

  @Get()
  @Endpoint({ summary: 'My notices, newest first, and how many are unread' })
  list(@CurrentUser() caller: Caller, @Query() q: PageQueryDto): Promise<NoticePageDto> {
    return this.notices.list(caller, q);
  }

  @OwnAccount()
  @Post('read')
  @HttpCode(200)
  @Endpoint({ summary: 'Mark my notices read: the ones named, or all' })
  read(@CurrentUser() caller: Caller, @Body() dto: NoticesReadDto): Promise<NoticesUnreadDto> {
    return this.notices.read(caller, dto);
  }
}

/** 村村响: the day's news for the village loudspeaker. */
@ApiTags('notices')
@ApiBearerAuth()
@Controller('villages/:villageId/broadcast')
export class BroadcastController {
  constructor(private readonly script: BroadcastScript) {}

  @Auth('admin', 'cadre')
  @Get(':date')
  @Endpoint({
    summary: 'The day’s good deeds and list news as plain text, to read out over the loudspeaker',
    okContent: { 'text/plain': { type: 'string' } },
  })
  async of(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Param('date') date: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const text = await this.script.of(caller, villageId, date);
    // set on success only: a refusal is JSON, as everywhere
    void reply.header('Content-Type', 'text/plain; charset=utf-8');
    return text;
  }
}
