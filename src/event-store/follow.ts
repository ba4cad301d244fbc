import type { Logger } from '@nestjs/common';
import type { EventStore, RecordedEvent, Subscription } from './event-store.port.js';

/**
 * Follows the streams of some prefixes for state a service keeps in memory (the catalog, the
 * targets): resolves once everything stored was applied, so the service starts with it; an error
 * after that is logged (the state stays as it was), one before rejects the start.
 */
export function followUntilCaughtUp(
  store: EventStore,
  streamPrefixes: string[],
  apply: (event: RecordedEvent) => void,
  logger: Pick<Logger, 'error'>,
): Promise<Subscription> {
  return new Promise<Subscription>((resolve, reject) => {
    let ready = false;
    const subscription = store.subscribeToAll(
      {
        onEvents: (events) => events.forEach(apply),
        onCaughtUp: () => {
          if (!ready) (ready = true), resolve(subscription);
        },
        onError: (error) => {
          if (!ready) reject(error);
          else logger.error(`subscription to ${streamPrefixes.join(', ')} stopped: ${error.message}`);
        },
      },
      { streamPrefixes },
    );
  });
}
