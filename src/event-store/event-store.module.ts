import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { EVENT_STORE, type EventStore } from './event-store.port.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

/** Opens the configured store: the embedded SQLite file by default, EventStoreDB when asked. */
export async function openEventStore(config: AppConfig): Promise<EventStore> {
  if (config.eventStore === 'esdb') {
    // Loaded only when used, so the embedded default never touches the gRPC client.
    const { EsdbEventStore } = await import('./esdb/esdb-event-store.js');
    return EsdbEventStore.connect(config.esdbConnectionString!);
  }
  return SqliteEventStore.open({ file: join(config.dataDir, 'events.db'), synchronous: config.sqliteSynchronous });
}

@Global()
@Module({
  providers: [{ provide: EVENT_STORE, inject: [APP_CONFIG], useFactory: (config: AppConfig) => openEventStore(config) }],
  exports: [EVENT_STORE],
})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Runs after the HTTP server stopped taking requests: in-flight appends finish, then the file closes. */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
