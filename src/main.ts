import { Logger } from '@nestjs/common';
import { createApp } from './app.js';
import { ApiKeyStore } from './access/api-keys.js';
import { ConfigError, loadConfig } from './config.js';
import { formatBanner } from './operations/banner.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(JSON.stringify({ level: 'error', msg: error.message }) + '\n');
      process.exit(2);
    }
    throw error;
  }
  const app = await createApp(config);
  const logger = new Logger('Main');
  // Graceful shutdown: stop accepting connections, let requests in flight finish (their appends
  // are flushed), close the stores, then exit 0.
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log({ msg: 'shutting down', signal });
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(JSON.stringify({ level: 'error', msg: 'shutdown failed', error: String(error) }) + '\n');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await app.listen(config.port, config.host);
  logger.log({ msg: 'listening', port: config.port, eventStore: config.eventStore, dataDir: config.dataDir });
  // A person at a terminal gets the banner (with the keys generated at this start); a log
  // collector gets the line above only (the keys went to initial-keys.txt, see api-keys.ts).
  const keys = app.get(ApiKeyStore).takeGeneratedKeys();
  if (process.stdout.isTTY) {
    process.stdout.write(formatBanner({ host: config.host, port: config.port, dataDir: config.dataDir, eventStore: config.eventStore, keys, keysFile: config.apiKeysFile }));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(JSON.stringify({ level: 'error', msg: 'failed to start', error: String(error) }) + '\n');
  process.exit(1);
});
