import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { NoticeSchedule } from './notice-schedule';
import { BroadcastScript } from './broadcast';
import { BroadcastController, NoticesController } from './notices.controller';
import { NoticesService } from './notices.service';

/** The notice centre (docs/product.md, "Notices"). */
@Module({
  imports: [LedgerModule],
  controllers: [NoticesController, BroadcastController],
  providers: [NoticesService, NoticeSchedule, BroadcastScript],
  exports: [NoticesService],
})
export class NoticesModule {}
