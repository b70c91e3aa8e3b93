import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { readUpload } from '../common/upload';
import { RosterImportQueryDto } from './roster.dto';
import { MAX_ROSTER_BYTES } from './roster-sheet';
import { RosterService, XLSX_TYPE } from './roster.service';

@ApiTags('roster')
@ApiBearerAuth()
@Auth('cadre')
@Controller('villages/:villageId/roster')
export class RosterController {
  constructor(private readonly roster: RosterService) {}

  @Get('template')
  @ApiProduces(XLSX_TYPE)
  template(@CurrentUser() caller: Caller, @Param('villageId', ParseIdPipe) villageId: number) {
    return this.roster.template(caller, villageId);
  }

  @Post('import')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary', description: '.xlsx, at most 5 MB' },
      },
    },
  })
  @ApiProduces('application/json', XLSX_TYPE)
  async import(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Query() q: RosterImportQueryDto,
    @Req() req: FastifyRequest,
  ) {
    const { buffer } = await readUpload(req, MAX_ROSTER_BYTES);
    return this.roster.import(caller, villageId, buffer, {
      dryRun: q.dryRun ?? false,
      format: q.format ?? 'json',
    });
  }
}
