import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VillagersController } from './villagers.controller';
import { VillagersService } from './villagers.service';
import { Villager } from './villager.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Villager])],
  controllers: [VillagersController],
  providers: [VillagersService],
  exports: [VillagersService],
})
export class VillagersModule {}
