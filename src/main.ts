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
  await app.listen(config.port, config.host);
  process.stdout.write(
    JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'listening', port: config.port, eventStore: config.eventStore, dataDir: config.dataDir }) + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(JSON.stringify({ level: 'error', msg: 'failed to start', error: String(error) }) + '\n');
  process.exit(1);
});
