import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { AuditListQueryDto } from './audit.dto';
import { AuditService } from './audit.service';
import { Endpoint, page } from '../common/api-docs';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** The trail of changes, newest first: admins the district, cadres their village. */
  @Auth('admin', 'cadre', 'villager')
  @Get()
  @Endpoint({
    summary: 'The audit trail, newest first (admins: the district; cadres: their village)',
    ok: page('AuditEventItemDto'),
  })
  list(@CurrentUser() caller: Caller, @Query() q: AuditListQueryDto) {
    return this.audit.list(caller, q);
  }
}
