import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { CATEGORIES } from './categories';
import { RuleCreateDto, RuleListQueryDto, RuleUpdateDto } from './rules.dto';
import { RulesService } from './rules.service';

@ApiTags('rules')
@ApiBearerAuth()
@Controller()
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get('categories')
  categories() {
    return CATEGORIES;
  }

  @Get('rules')
  list(@CurrentUser() caller: Caller, @Query() q: RuleListQueryDto) {
    return this.rules.list(caller, q);
  }

  @Auth('admin', 'cadre')
  @Post('rules')
  create(@CurrentUser() caller: Caller, @Body() dto: RuleCreateDto) {
    return this.rules.create(caller, dto);
  }

  @Auth('admin', 'cadre')
  @Patch('rules/:id')
  update(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: RuleUpdateDto,
  ) {
    return this.rules.update(caller, id, dto);
  }
}
