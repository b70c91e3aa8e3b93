import { Module } from '@nestjs/common';
import { DeedsModule } from '../deeds/deeds.module';
import { NoticesModule } from '../notices/notices.module';
import { ActivitiesController } from './activities.controller';
import { ActivitiesService } from './activities.service';

/** Activities and volunteer service: publish, sign up, check in, close (docs/product.md). */
@Module({
  imports: [DeedsModule, NoticesModule],
  controllers: [ActivitiesController],
  providers: [ActivitiesService],
})
export class ActivitiesModule {}
