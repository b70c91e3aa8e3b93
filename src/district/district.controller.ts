import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { Endpoint, EXPORT_CONTENT } from '../common/api-docs';
import { monthLabel } from '../evaluations/board';
import { CONTENT_TYPES, tableStream, type Cell } from '../exports/table-stream';
import { attachmentName } from '../roster/roster.service';
import {
  DashboardExportQueryDto,
  DashboardQueryDto,
  type DashboardDto,
  type DashboardFiguresDto,
  type DashboardTrendDto,
} from './dashboard.dto';
import { DashboardService } from './dashboard.service';

/** The export's columns, in the screen's order and words. */
const COLUMNS: [keyof DashboardFiguresDto, string][] = [
  ['households', '户数'],
  ['activeHouseholds', '参与户数'],
  ['participation', '参与率'],
  ['deeds', '加分事项'],
  ['deductions', '扣分事项'],
  ['pendingReviews', '待审核'],
  ['medianReviewHours', '审核用时中位数(小时)'],
  ['objections', '异议'],
  ['upheldObjections', '异议成立'],
  ['issued', '发放积分'],
  ['deducted', '扣减积分'],
  ['redeemed', '兑换积分'],
  ['expired', '清零积分'],
  ['outstanding', '月末未兑积分'],
];

@ApiTags('district')
@ApiBearerAuth()
@Controller('dashboard')
export class DistrictController {
  constructor(private readonly dashboards: DashboardService) {}

  @Auth('admin', 'auditor', 'town')
  @Get()
  @Endpoint({ summary: 'Whether the programme lives: each village’s month, and the totals' })
  dashboard(@CurrentUser() caller: Caller, @Query() q: DashboardQueryDto): Promise<DashboardDto> {
    return this.dashboards.dashboard(caller, q);
  }

  @Auth('admin', 'auditor', 'town')
  @Get('trend')
  @Endpoint({ summary: 'Twelve months of participation and of points issued and redeemed' })
  trend(@CurrentUser() caller: Caller, @Query() q: DashboardQueryDto): Promise<DashboardTrendDto> {
    return this.dashboards.trend(caller, q);
  }

  @Auth('admin', 'auditor', 'town')
  @Get('export')
  @Endpoint({ summary: 'The dashboard’s table as XLSX or CSV', okContent: EXPORT_CONTENT })
  async export(
    @CurrentUser() caller: Caller,
    @Query() q: DashboardExportQueryDto,
  ): Promise<StreamableFile> {
    const format = q.format ?? 'xlsx';
    const board = await this.dashboards.dashboard(caller, q);
    const cells = (f: DashboardFiguresDto): Cell[] =>
      COLUMNS.map(([key]) =>
        key === 'participation' ? `${Math.round(f.participation * 1000) / 10}%` : f[key],
      );
    const rows: Cell[][] = [
      ...board.villages.map((v) => [v.town, v.name, ...cells(v)]),
      ['合计', '', ...cells(board.totals)],
    ];
    const columns = [
      { header: '乡镇', width: 12 },
      { header: '村', width: 14 },
      ...COLUMNS.map(([, header]) => ({ header, width: Math.max(8, header.length * 2 + 2) })),
    ];
    const title = `${board.town ?? '全区'}${monthLabel(board.month)}积分制运行情况`;
    return new StreamableFile(
      tableStream(
        format,
        '运行情况',
        columns,
        (async function* () {
          yield rows;
        })(),
      ) as never,
      {
        type: CONTENT_TYPES[format],
        disposition: attachmentName(`dashboard-${board.month}.${format}`, `${title}.${format}`),
      },
    );
  }
}
