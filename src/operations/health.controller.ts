import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiProblems } from '../docs/api-docs.decorators.js';
import { HEALTHY, UNHEALTHY } from '../docs/examples.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { Public } from '../access/public.decorator.js';
import { Projector } from '../projections/projector.js';
import { ReadinessCheck } from './readiness.js';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly projector: Projector,
    private readonly readiness: ReadinessCheck,
  ) {}

  /**
   * Open to all: load balancers and operators ask it whether the service can do its work. 503
   * while the store does not answer, the log cannot be appended to (disk full: the last append
   * failed and none succeeded since), or the live projection is stopped; each turns back by
   * itself once the cause is gone.
   */
  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Whether the service can do its work (no key needed)', security: [] })
  @ApiAnswer(200, 'healthy', HEALTHY)
  @ApiAnswer(503, 'the store does not answer, the log cannot be appended to, or the projections stopped', UNHEALTHY)
  @ApiProblems('REQUEST_TIMEOUT', 'HEADERS_TOO_LARGE')
  async health(@Res() reply: FastifyReply): Promise<void> {
    let eventStore: 'up' | 'down' = 'up';
    try {
      await this.store.ping();
    } catch {
      eventStore = 'down';
    }
    const appendFailure = eventStore === 'up' ? await this.store.appendFailure?.().catch((e: Error) => e.message) : undefined;
    const stopped = this.projector.stopped;
    const healthy = eventStore === 'up' && appendFailure === undefined && stopped === undefined;
    void reply.status(healthy ? 200 : 503).send({
      status: healthy ? 'ok' : 'unavailable',
      eventStore: {
        kind: this.config.eventStore,
        status: eventStore,
        append: appendFailure === undefined ? 'ok' : 'failing',
        ...(appendFailure === undefined ? {} : { reason: appendFailure }),
      },
      projections: {
        status: stopped === undefined ? 'running' : 'stopped',
        ...(stopped === undefined ? {} : { reason: stopped }),
        quarantined: this.projector.quarantine().count,
      },
    });
  }

  /** Open to all: the process is up and answers HTTP (an orchestrator restarts it when not). Nothing else is checked. */
  @Public()
  @ApiOperation({ summary: 'Liveness: the process answers (no key needed)', security: [] })
  @ApiAnswer(200, 'the process is up', { status: 'ok' })
  @ApiProblems('REQUEST_TIMEOUT', 'HEADERS_TOO_LARGE')
  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Open to all: whether to send this instance traffic. 503 while the store does not answer, the
   * log cannot be appended to, or the read models are more than READY_MAX_LAG_SECONDS behind it.
   */
  @Public()
  @ApiOperation({ summary: 'Readiness: store up, log appendable, read models within READY_MAX_LAG_SECONDS (no key needed)', security: [] })
  @ApiAnswer(200, 'ready for traffic', { status: 'ready', reasons: [], eventStore: { status: 'up', append: 'ok' }, projections: { status: 'running', lagEvents: 0, lagSeconds: 0, maxLagSeconds: 30 } })
  @ApiAnswer(503, 'not ready; `reasons` says why', {
    status: 'not ready',
    reasons: ['the read models are 42 s behind the log (more than 30 s)'],
    eventStore: { status: 'up', append: 'ok' },
    projections: { status: 'stopped', lagEvents: 120, lagSeconds: 42.5, maxLagSeconds: 30 },
  })
  @ApiProblems('REQUEST_TIMEOUT', 'HEADERS_TOO_LARGE')
  @Get('health/ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const readiness = await this.readiness.check();
    const { ready, ...rest } = readiness;
    void reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...rest });
  }
}
