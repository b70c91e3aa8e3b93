import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { CATEGORIES } from './categories';
import { RuleCreateDto, RuleListQueryDto, RuleUpdateDto } from './rules.dto';
import { RulesService } from './rules.service';
import { Endpoint, page } from '../common/api-docs';

@ApiTags('rules')
@ApiBearerAuth()
@Controller()
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get('categories')
  @Endpoint({
    summary: 'The five rule categories',
    ok: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'name'],
        properties: {
          code: {
            type: 'string',
            enum: ['industry', 'kindness', 'environment', 'integrity', 'family'],
          },
          name: { type: 'string', example: '环境卫生' },
        },
      },
    },
  })
  categories() {
    return CATEGORIES;
  }

  @Get('rules')
  @Endpoint({ summary: 'List the rules in force for the caller', ok: page('Rule') })
  list(@CurrentUser() caller: Caller, @Query() q: RuleListQueryDto) {
    return this.rules.list(caller, q);
  }

  @Auth('admin', 'cadre')
  @Post('rules')
  @Endpoint({ summary: 'Create a rule', conflicts: ['RULE_CODE_TAKEN'] })
  create(@CurrentUser() caller: Caller, @Body() dto: RuleCreateDto) {
    return this.rules.create(caller, dto);
  }

  @Auth('admin', 'cadre')
  @Patch('rules/:id')
  @Endpoint({
    summary: 'Change or deactivate a rule (history is not rewritten)',
    conflicts: ['RULE_CODE_TAKEN'],
  })
  update(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: RuleUpdateDto,
  ) {
    return this.rules.update(caller, id, dto);
  }
}
