import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LedgerModule } from '../ledger/ledger.module';
import { NoticesModule } from '../notices/notices.module';
import { PhotosModule } from '../photos/photos.module';
import { DeedsController } from './deeds.controller';
import { Deed } from './deed.entity';
import { DeedsRepository } from './deeds.repository';
import { DeedsService } from './deeds.service';

@Module({
  imports: [TypeOrmModule.forFeature([Deed]), LedgerModule, PhotosModule, NoticesModule],
  controllers: [DeedsController],
  providers: [DeedsService, DeedsRepository],
  exports: [DeedsService],
})
export class DeedsModule {}
