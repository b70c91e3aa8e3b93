import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import {
  GoodsCreateDto,
  GoodsListQueryDto,
  StoreCreateDto,
  StoreListQueryDto,
  StoreUpdateDto,
} from './store.dto';
import { StoresService } from './stores.service';

@ApiTags('store')
@ApiBearerAuth()
@Controller('stores')
export class StoresController {
  constructor(private readonly stores: StoresService) {}

  @Auth('admin')
  @Post()
  create(@CurrentUser() caller: Caller, @Body() dto: StoreCreateDto) {
    return this.stores.create(caller, dto);
  }

  @Auth('admin', 'shopkeeper', 'villager')
  @Get()
  list(@CurrentUser() caller: Caller, @Query() q: StoreListQueryDto) {
    return this.stores.list(caller, q);
  }

  @Auth('admin', 'shopkeeper', 'villager')
  @Get(':id')
  get(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.stores.get(caller, id);
  }

  @Auth('admin')
  @Patch(':id')
  update(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: StoreUpdateDto,
  ) {
    return this.stores.update(caller, id, dto);
  }

  @Auth('admin', 'shopkeeper')
  @Post(':id/goods')
  createGoods(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: GoodsCreateDto,
  ) {
    return this.stores.createGoods(caller, id, dto);
  }

  @Auth('admin', 'shopkeeper', 'villager')
  @Get(':id/goods')
  listGoods(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Query() q: GoodsListQueryDto,
  ) {
    return this.stores.listGoods(caller, id, q);
  }
}
