import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../common/api-docs';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import type { Incident } from './incident.entity';
import { IncidentsService } from './incidents.service';
import { IncidentCreateDto, IncidentRevokeDto } from './scores.dto';

@ApiTags('scores')
@ApiBearerAuth()
@Controller('villages/:villageId/incidents')
export class IncidentsController {
  constructor(private readonly incidents: IncidentsService) {}

  @Auth('admin', 'town')
  @Post()
  @Endpoint({
    summary: 'Record a broken “zero” (六零) of the village: it lowers the village score',
  })
  create(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Body() dto: IncidentCreateDto,
  ): Promise<Incident> {
    return this.incidents.create(caller, villageId, dto);
  }

  @Auth('admin', 'auditor', 'town')
  @Get()
  @Endpoint({ summary: 'The village’s incidents, newest first, revoked ones included' })
  list(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
  ): Promise<Incident[]> {
    return this.incidents.list(caller, villageId);
  }

  @Auth('admin', 'town')
  @Post(':id/revoke')
  @HttpCode(200)
  @Endpoint({
    summary: 'Revoke an incident with a reason: it no longer counts',
    conflicts: ['INVALID_TRANSITION'],
  })
  revoke(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: IncidentRevokeDto,
  ): Promise<Incident> {
    return this.incidents.revoke(caller, villageId, id, dto);
  }
}
