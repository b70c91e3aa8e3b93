import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { NoticeSchedule } from './notice-schedule';
import { NoticesController } from './notices.controller';
import { NoticesService } from './notices.service';

/** The notice centre (docs/product.md, "Notices"). */
@Module({
  imports: [LedgerModule],
  controllers: [NoticesController],
  providers: [NoticesService, NoticeSchedule],
  exports: [NoticesService],
})
export class NoticesModule {}
