import { Controller, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Endpoint, EXPORT_CONTENT } from '../common/api-docs';
import { Auth, Caller, CurrentUser, OptionalAuth } from '../common/auth.decorators';
import { CONTENT_TYPES, tableStream, type Cell } from '../exports/table-stream';
import { attachmentName } from '../roster/roster.service';
import { quarterLabel } from './score-formula';
import {
  ParseQuarterPipe,
  ParseTownPipe,
  ScoresExportQueryDto,
  type TownScoresDto,
} from './scores.dto';
import { ScoresService } from './scores.service';

const STATUS_LABEL: Record<TownScoresDto['status'], string> = {
  draft: '草稿',
  publicity: '公示中',
  final: '已公示',
};

@ApiTags('scores')
@ApiBearerAuth()
@Controller('towns/:town/scores/:quarter')
export class ScoresController {
  constructor(private readonly scores: ScoresService) {}

  @OptionalAuth()
  @Get()
  @Endpoint({
    summary: 'A town’s villages ranked for the quarter: public once published, else the town’s',
    errors: { 404: 'A town without villages, or a draft asked without logging in' },
  })
  get(
    @CurrentUser() caller: Caller | undefined,
    @Param('town', ParseTownPipe) town: string,
    @Param('quarter', ParseQuarterPipe) quarter: string,
  ): Promise<TownScoresDto> {
    return this.scores.get(caller, town, quarter);
  }

  @Auth('admin', 'town')
  @Post('publish')
  @HttpCode(200)
  @Endpoint({
    summary: 'Publish the quarter’s ranking: frozen, 7 days of publicity (公示), then final',
    conflicts: ['SCORES_FINAL'],
  })
  publish(
    @CurrentUser() caller: Caller,
    @Param('town', ParseTownPipe) town: string,
    @Param('quarter', ParseQuarterPipe) quarter: string,
  ): Promise<TownScoresDto> {
    return this.scores.publish(caller, town, quarter);
  }

  @OptionalAuth()
  @Get('export')
  @Endpoint({ summary: 'The quarter’s ranking as XLSX or CSV', okContent: EXPORT_CONTENT })
  async export(
    @CurrentUser() caller: Caller | undefined,
    @Param('town', ParseTownPipe) town: string,
    @Param('quarter', ParseQuarterPipe) quarter: string,
    @Query() q: ScoresExportQueryDto,
  ): Promise<StreamableFile> {
    const format = q.format ?? 'xlsx';
    const board = await this.scores.get(caller, town, quarter);
    const rows: Cell[][] = board.villages.map((v) => [
      v.rank,
      v.name,
      v.score,
      v.parts.participation,
      v.parts.points,
      v.parts.incidents,
      STATUS_LABEL[board.status],
    ]);
    const columns = [
      { header: '名次', width: 6 },
      { header: '村', width: 14 },
      { header: '总分', width: 8 },
      { header: '参与(40)', width: 10 },
      { header: '积分(30)', width: 10 },
      { header: '六零(30)', width: 10 },
      { header: '状态', width: 8 },
    ];
    const title = `${town}${quarterLabel(quarter)}村庄文明积分评比`;
    return new StreamableFile(
      tableStream(
        format,
        '村庄积分',
        columns,
        (async function* () {
          yield rows;
        })(),
      ) as never,
      {
        type: CONTENT_TYPES[format],
        disposition: attachmentName(`scores-${quarter}.${format}`, `${title}.${format}`),
      },
    );
  }
}
