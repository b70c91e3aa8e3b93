import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { HouseholdsController } from './households.controller';
import { HouseholdsService } from './households.service';
import { InactiveHouseholdsService } from './inactive.service';
import { StatementsService } from './statements.service';

/** Household points (户积分), household cards (积分卡) and statements (家庭积分对账单). */
@Module({
  imports: [LedgerModule],
  controllers: [HouseholdsController],
  providers: [HouseholdsService, StatementsService, InactiveHouseholdsService],
})
export class HouseholdsModule {}
