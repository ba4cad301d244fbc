import { Module, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { acceptRawBodies } from '../common/raw-bodies.js';
import { Reconciliations } from './reconciliations.js';
import { RECONCILIATIONS_ROUTE, ReconciliationsController } from './reconciliations.controller.js';

/** Reconciliation of a unit's register with the system (POST/GET /units/{unitId}/reconciliations). */
@Module({ controllers: [ReconciliationsController], providers: [Reconciliations] })
export class ReconciliationModule implements OnModuleInit {
  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  /** CSV registers reach the route as a stream, read with a limit of its own (raw-bodies.ts). */
  onModuleInit(): void {
    const fastify = this.adapterHost?.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify?.addContentTypeParser) return;
    acceptRawBodies(fastify, ['text/csv'], RECONCILIATIONS_ROUTE);
  }
}
