import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { Public } from '../access/public.decorator.js';

@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Open to all: load balancers and operators ask it whether the event store answers. */
  @Public()
  @Get('health')
  async health(@Res() reply: FastifyReply): Promise<void> {
    let eventStore: 'up' | 'down' = 'up';
    try {
      await this.store.ping();
    } catch {
      eventStore = 'down';
    }
    const status = eventStore === 'up' ? 'ok' : 'unavailable';
    void reply.status(eventStore === 'up' ? 200 : 503).send({ status, eventStore: { kind: this.config.eventStore, status: eventStore } });
  }
}
