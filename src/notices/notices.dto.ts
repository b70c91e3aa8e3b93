import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsOptional } from 'class-validator';
import { IsIdList } from '../common/ids';
import { NOTICE_KINDS, type NoticeKind } from './notice.entity';

export class NoticeDto {
  id!: number;
  @ApiProperty({ format: 'date-time' }) at!: Date;
  @ApiProperty({ enum: NOTICE_KINDS }) kind!: NoticeKind;
  title!: string;
  body!: string;
  /** Where in the web app it leads, e.g. /villager/history. */
  link!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) readAt!: Date | null;
}

export class NoticePageDto {
  items!: NoticeDto[];
  total!: number;
  page!: number;
  pageSize!: number;
  /** The caller's notices not read yet (the badge). */
  unread!: number;
}

/** `{ ids }` marks those read, `{ all: true }` every one. */
export class NoticesReadDto {
  @IsOptional() @IsIdList(200) ids?: number[];
  @IsOptional() @Equals(true, { message: 'all must be true when sent' }) all?: boolean;
}

export class NoticesUnreadDto {
  unread!: number;
}
