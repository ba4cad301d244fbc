import { Module } from '@nestjs/common';
import { AttentionController } from './attention.controller.js';
import { AttentionLists } from './attention.queries.js';

@Module({ controllers: [AttentionController], providers: [AttentionLists] })
export class AttentionModule {}
