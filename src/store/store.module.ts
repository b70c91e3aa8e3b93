import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LedgerModule } from '../ledger/ledger.module';
import { VillagersModule } from '../villagers/villagers.module';
import { CounterController } from './counter.controller';
import { CounterService } from './counter.service';
import { GoodsController } from './goods.controller';
import { Redemption, RedemptionItem } from './redemption.entity';
import { RedemptionsController } from './redemptions.controller';
import { RedemptionsService } from './redemptions.service';
import { Goods, StockMovement, Store, StoreVillage } from './store.entity';
import { StoresController } from './stores.controller';
import { StockRepository } from './stock.repository';
import { StoresService } from './stores.service';

/** The points store (积分超市): stores, goods, stock movements, redemptions. */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      Store,
      StoreVillage,
      Goods,
      StockMovement,
      Redemption,
      RedemptionItem,
    ]),
    LedgerModule,
    VillagersModule,
  ],
  controllers: [StoresController, GoodsController, RedemptionsController, CounterController],
  providers: [StoresService, StockRepository, RedemptionsService, CounterService],
})
export class StoreModule {}
