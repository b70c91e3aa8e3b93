import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { SettlementController } from './settlement.controller';
import { SettlementService } from './settlement.service';

/** 积分清零: the district's points policy and the daily expiry (docs/product.md). */
@Module({
  imports: [LedgerModule],
  controllers: [SettlementController],
  providers: [SettlementService],
})
export class SettlementModule {}
