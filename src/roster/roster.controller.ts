import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { readUpload } from '../common/upload';
import { RosterImportQueryDto } from './roster.dto';
import { MAX_ROSTER_BYTES } from './roster-sheet';
import { RosterService, XLSX_TYPE } from './roster.service';
import { Endpoint, ref } from '../common/api-docs';

@ApiTags('roster')
@ApiBearerAuth()
@Auth('cadre')
@Controller('villages/:villageId/roster')
export class RosterController {
  constructor(private readonly roster: RosterService) {}

  @Get('template')
  @ApiProduces(XLSX_TYPE)
  @Endpoint({
    summary:
      'The roster (花名册) template: an .xlsx with the Chinese headers, the ID column as text',
    okContent: { [XLSX_TYPE]: { type: 'string', format: 'binary' } },
  })
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
  @Endpoint({
    summary:
      'Import a roster (花名册): ?dryRun=true reports every problem by row and column; otherwise all rows or none',
    okContent: {
      'application/json': ref('RosterImportReportDto'),
      [XLSX_TYPE]: {
        type: 'string',
        format: 'binary',
        description: 'With ?format=xlsx: the uploaded rows with a 错误说明 column (IDs masked)',
      },
    },
    errors: {
      413: 'The file is larger than 5 MB',
      415: 'Not a multipart/form-data request',
      422: 'A row has a problem: nothing imported; the body is the report (code ROSTER_INVALID)',
      429: 'Too many ID numbers registered in other villages were tried today',
    },
  })
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
