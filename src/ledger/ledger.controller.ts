import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { PageQueryDto } from '../common/pagination';
import { LedgerService } from './ledger.service';
import { Endpoint, expiringPoints, explainedEntry, page } from '../common/api-docs';

@ApiTags('ledger')
@ApiBearerAuth()
@Controller('villagers/:id/points')
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Auth('admin', 'cadre', 'villager')
  @Get()
  @Endpoint({
    summary: 'A villager’s balance and ledger entries, newest first, each with its trail',
    ok: {
      type: 'object',
      required: ['villagerId', 'householdId', 'balance', 'expiring', 'entries'],
      properties: {
        villagerId: { type: 'integer' },
        householdId: {
          type: 'integer',
          nullable: true,
          description: 'The household (户积分 at /api/households/:id/points); null for none',
        },
        balance: { type: 'integer' },
        expiring: expiringPoints,
        entries: {
          ...page('LedgerEntry'),
          properties: {
            ...page('LedgerEntry').properties,
            items: { type: 'array', items: explainedEntry },
          },
        },
      },
    },
  })
  points(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Query() q: PageQueryDto,
  ) {
    return this.ledger.points(caller, id, q);
  }
}
