import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../common/api-docs';
import { Caller, CurrentUser, OwnAccount } from '../common/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import { NoticesReadDto, type NoticePageDto, type NoticesUnreadDto } from './notices.dto';
import { NoticesService } from './notices.service';

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
