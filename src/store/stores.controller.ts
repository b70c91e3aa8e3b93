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
import { Endpoint, page } from '../common/api-docs';

@ApiTags('store')
@ApiBearerAuth()
@Controller('stores')
export class StoresController {
  constructor(private readonly stores: StoresService) {}

  @Auth('admin')
  @Post()
  @Endpoint({ summary: 'Create a points store' })
  create(@CurrentUser() caller: Caller, @Body() dto: StoreCreateDto) {
    return this.stores.create(caller, dto);
  }

  @Auth('admin', 'shopkeeper', 'villager')
  @Get()
  @Endpoint({
    summary: 'List the stores the caller may see',
    ok: page('StoreResponseDto'),
  })
  list(@CurrentUser() caller: Caller, @Query() q: StoreListQueryDto) {
    return this.stores.list(caller, q);
  }

  @Auth('admin', 'shopkeeper', 'villager')
  @Get(':id')
  @Endpoint({ summary: 'One store' })
  get(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    return this.stores.get(caller, id);
  }

  @Auth('admin')
  @Patch(':id')
  @Endpoint({ summary: 'Change a store or the villages it serves' })
  update(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: StoreUpdateDto,
  ) {
    return this.stores.update(caller, id, dto);
  }

  @Auth('admin', 'shopkeeper')
  @Post(':id/goods')
  @Endpoint({ summary: 'Add goods to a store' })
  createGoods(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: GoodsCreateDto,
  ) {
    return this.stores.createGoods(caller, id, dto);
  }

  @Auth('admin', 'shopkeeper', 'villager')
  @Get(':id/goods')
  @Endpoint({ summary: 'List a store’s goods', ok: page('Goods') })
  listGoods(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Query() q: GoodsListQueryDto,
  ) {
    return this.stores.listGoods(caller, id, q);
  }
}
