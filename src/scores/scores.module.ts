import { Module } from '@nestjs/common';
import { DistrictModule } from '../district/district.module';
import { IncidentsController } from './incidents.controller';
import { IncidentsService } from './incidents.service';
import { ScoresController } from './scores.controller';
import { ScoresService } from './scores.service';

/** 积分换项目: the town's quarterly village scores and its incidents (docs/product.md). */
@Module({
  imports: [DistrictModule],
  controllers: [IncidentsController, ScoresController],
  providers: [IncidentsService, ScoresService],
})
export class ScoresModule {}
