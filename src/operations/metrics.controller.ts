import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiKeyRequired } from '../docs/api-docs.decorators.js';
import { METRICS } from '../docs/examples.js';
import { Roles } from '../access/principal.js';
import { Metrics } from './metrics.js';

@ApiTags('operations')
@ApiKeyRequired()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  /** Prometheus text; scrape it with an auditor or admin key (`authorization.credentials` in the scrape config). */
  @Get('metrics')
  @Roles('auditor', 'admin')
  @ApiOperation({ summary: 'Prometheus metrics (auditor or admin key)' })
  @ApiAnswer(200, 'Prometheus text exposition', METRICS, 'text/plain')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  render(): Promise<string> {
    return this.metrics.render();
  }
}
