import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../access/principal.js';
import { Metrics } from './metrics.js';

@ApiTags('operations')
@ApiBearerAuth()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  /** Prometheus text; scrape it with an auditor or admin key (`authorization.credentials` in the scrape config). */
  @Get('metrics')
  @Roles('auditor', 'admin')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  render(): Promise<string> {
    return this.metrics.render();
  }
}
