import { Module } from '@nestjs/common';
import { WecomController } from './wecom.controller';
import { WecomService } from './wecom.service';

/** The village groups' 企业微信 robots and their outbox (docs/product.md, "Notices"). */
@Module({
  controllers: [WecomController],
  providers: [WecomService],
  exports: [WecomService],
})
export class WecomModule {}
