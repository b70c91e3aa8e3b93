import { Module } from '@nestjs/common';
import { DistrictController } from './district.controller';
import { DashboardService } from './dashboard.service';

/** Above the village: the district's and towns' dashboard (docs/product.md, "The dashboard"). */
@Module({
  controllers: [DistrictController],
  providers: [DashboardService],
  exports: [DashboardService],
})
export class DistrictModule {}
