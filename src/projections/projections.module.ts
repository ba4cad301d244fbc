import { Global, Module } from '@nestjs/common';
import { ProjectionsController } from './projections.controller.js';
import { Projector } from './projector.js';

/** The read models (DATA_DIR/read-models.db) and the projector that keeps them current. */
@Global()
@Module({ controllers: [ProjectionsController], providers: [Projector], exports: [Projector] })
export class ProjectionsModule {}
