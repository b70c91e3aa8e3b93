import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Public } from '../common/auth.decorators';
import { MetricsGuard } from './metrics.guard';
import { MetricsService } from './metrics.service';
import { Endpoint } from '../common/api-docs';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus text format; for admins or the METRICS_TOKEN scrape token. */
  @Public() // the token check is MetricsGuard's: the scrape token is not an access token
  @UseGuards(MetricsGuard)
  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ description: 'Prometheus text exposition format', type: String })
  @Endpoint({
    summary: 'Metrics in the Prometheus text format (admins or the METRICS_TOKEN)',
    errors: { 401: 'No or a wrong token', 403: 'Not an administrator' },
  })
  metricsText(): Promise<string> {
    return this.metrics.text();
  }
}
