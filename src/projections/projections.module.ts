import { Global, Module } from '@nestjs/common';
import { CatalogService } from '../catalog/catalog.service.js';
import { ProjectionsController } from './projections.controller.js';
import { Projector, READ_MODEL_SETUP, type ReadModelSetup } from './projector.js';
import { READ_MODELS } from './registry.js';

/** The read models (DATA_DIR/read-models.db) and the projector that keeps them current. */
@Global()
@Module({
  controllers: [ProjectionsController],
  providers: [
    Projector,
    {
      provide: READ_MODEL_SETUP,
      // Read models that work in office time use the calendar the catalog holds when they apply an event.
      useFactory: (catalog: CatalogService): ReadModelSetup => ({ models: READ_MODELS, context: { calendar: () => catalog.calendar().compiled } }),
      inject: [CatalogService],
    },
  ],
  exports: [Projector],
})
export class ProjectionsModule {}
