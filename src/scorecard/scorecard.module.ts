import { Module } from '@nestjs/common';
import { SupervisionModule } from '../supervision/supervision.module.js';
import { ScorecardController } from './scorecard.controller.js';
import { ScorecardQueries } from './scorecard-queries.js';

/** GET /units/{unitId}/scorecard, over the report index and the targets. */
@Module({ imports: [SupervisionModule], controllers: [ScorecardController], providers: [ScorecardQueries] })
export class ScorecardModule {}
