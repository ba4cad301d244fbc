import { Module } from '@nestjs/common';
import { SupervisionModule } from '../supervision/supervision.module.js';
import { FeedController } from './feed.controller.js';
import { FeedService } from './feed.service.js';

/** GET /feed: the log for downstream systems, as NDJSON pages or a live stream. */
@Module({ imports: [SupervisionModule], controllers: [FeedController], providers: [FeedService] })
export class FeedModule {}
