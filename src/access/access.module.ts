import { Global, Inject, Logger, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { AccessGuard } from './access.guard.js';
import { ApiKeyStore } from './api-keys.js';
import { Authenticator } from './authenticator.js';
import { MeController } from './me.controller.js';
import { RateLimiter } from './rate-limiter.js';
import { UNIT_TREE, UnitScope } from './unit-scope.js';
import { CatalogService } from '../catalog/catalog.service.js';

/**
 * API keys, roles, unit scopes and abuse limits. The key file is loaded (or created) while the
 * application is built, so a malformed file stops the start with a message naming the entry.
 * SIGHUP re-reads it at once (it is also re-read within a second of any change).
 */
@Global()
@Module({
  controllers: [MeController],
  providers: [
    {
      provide: ApiKeyStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const store = ApiKeyStore.open(config.apiKeysFile, { holdForBanner: true });
        new Logger('Access').log({ msg: 'API keys loaded', file: config.apiKeysFile, keys: store.size });
        return store;
      },
    },
    { provide: RateLimiter, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new RateLimiter(config.rateLimitPerMinute) },
    { provide: UNIT_TREE, useExisting: CatalogService },
    UnitScope,
    Authenticator,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [ApiKeyStore, UnitScope, Authenticator],
})
export class AccessModule implements OnModuleInit, OnModuleDestroy {
  private readonly onHangup = () => void this.keys.reload();

  constructor(@Inject(ApiKeyStore) private readonly keys: ApiKeyStore) {}

  onModuleInit(): void {
    process.on('SIGHUP', this.onHangup);
  }

  onModuleDestroy(): void {
    process.off('SIGHUP', this.onHangup);
  }
}
