import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

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
  // Graceful shutdown: stop accepting connections, let requests in flight finish (their appends
  // are flushed), close the stores, then exit 0.
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'shutting down', signal }) + '\n');
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
  process.stdout.write(
    JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'listening', port: config.port, eventStore: config.eventStore, dataDir: config.dataDir }) + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(JSON.stringify({ level: 'error', msg: 'failed to start', error: String(error) }) + '\n');
  process.exit(1);
});
