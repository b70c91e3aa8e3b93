import { Module } from '@nestjs/common';
import { ExportsController } from './exports.controller';
import { VillagersModule } from '../villagers/villagers.module';
import { ExportsService } from './exports.service';

/** Streamed XLSX / CSV exports of the roster, the ledger and redemptions (docs/product.md). */
@Module({
  imports: [VillagersModule],
  controllers: [ExportsController],
  providers: [ExportsService],
})
export class ExportsModule {}
