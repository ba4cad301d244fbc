import { Global, Module } from '@nestjs/common';
import { TargetsController } from './targets.controller.js';
import { TargetsService } from './targets.service.js';

/** The scorecard's targets, on a stream of their own. */
@Global()
@Module({ controllers: [TargetsController], providers: [TargetsService], exports: [TargetsService] })
export class TargetsModule {}
