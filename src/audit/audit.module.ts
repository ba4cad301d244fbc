import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller.js';
import { Sealer } from './sealer.js';

/** The tamper-evident log (issue 26): seals of the hash chain, and its verification. */
@Module({ controllers: [AuditController], providers: [Sealer] })
export class AuditModule {}
