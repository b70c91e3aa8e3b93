import { Module } from '@nestjs/common';
import { VillagersModule } from '../villagers/villagers.module';
import { VillagesModule } from '../villages/villages.module';
import { RosterController } from './roster.controller';
import { RosterService } from './roster.service';

/** 花名册: the template and the import (docs/product.md). */
@Module({
  imports: [VillagersModule, VillagesModule],
  controllers: [RosterController],
  providers: [RosterService],
})
export class RosterModule {}
