import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VillagersModule } from '../villagers/villagers.module';
import { LedgerController } from './ledger.controller';
import { LedgerEntry } from './ledger-entry.entity';
import { LedgerRepository } from './ledger.repository';
import { ExpiryQuery } from './expiry';
import { LedgerService } from './ledger.service';
import { PointsHistoryQuery } from './points-history.query';

@Module({
  imports: [TypeOrmModule.forFeature([LedgerEntry]), VillagersModule],
  controllers: [LedgerController],
  providers: [LedgerService, LedgerRepository, PointsHistoryQuery, ExpiryQuery],
  exports: [LedgerService, ExpiryQuery],
})
export class LedgerModule {}
