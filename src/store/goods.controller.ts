import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { GoodsUpdateDto, StockMovementCreateDto } from './store.dto';
import { StoresService } from './stores.service';
import { Endpoint, page, ref } from '../common/api-docs';

/** One goods of a store and its stock movements: that store's shopkeeper or an admin. */
@ApiTags('store')
@ApiBearerAuth()
@Auth('admin', 'shopkeeper')
@Controller('goods')
export class GoodsController {
  constructor(private readonly stores: StoresService) {}

  @Patch(':id')
  @Endpoint({ summary: 'Change goods (name, price, active)' })
  update(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: GoodsUpdateDto,
  ) {
    return this.stores.updateGoods(caller, id, dto);
  }

  @Post(':id/stock-movements')
  @Endpoint({
    summary: 'Restock or correct the stock of goods',
    ok: {
      allOf: [
        ref('StockMovement'),
        {
          type: 'object',
          required: ['stockAfter'],
          properties: { stockAfter: { type: 'integer' } },
        },
      ],
    },
    conflicts: ['OUT_OF_STOCK', 'STOCK_LIMIT'],
  })
  addStockMovement(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: StockMovementCreateDto,
  ) {
    return this.stores.addStockMovement(caller, id, dto);
  }

  @Get(':id/stock-movements')
  @Endpoint({
    summary: 'List the stock movements of goods, newest first',
    ok: page('StockMovement'),
  })
  listStockMovements(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Query() q: PageQueryDto,
  ) {
    return this.stores.listStockMovements(caller, id, q);
  }
}
