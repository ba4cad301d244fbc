import { join, resolve } from 'node:path';

/** Service configuration, read once from the environment (see README, "Configuration"). */
export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  eventStore: 'sqlite' | 'esdb';
  esdbConnectionString?: string;
  /** SQLite `synchronous`: `full` (default, every acknowledged append is on disk) or `normal`. */
  sqliteSynchronous: 'full' | 'normal';
  apiKeysFile: string;
  /** Requests a key may make per minute; 0 disables the limit. */
  rateLimitPerMinute: number;
  /** Largest accepted request body in bytes. */
  bodyLimitBytes: number;
  /** Largest file POST /imports accepts, in bytes (its own limit: a province's history is large). */
  importBodyLimitBytes: number;
  /** Largest register POST /units/{unitId}/reconciliations accepts (CSV or JSON), in bytes. */
  registerBodyLimitBytes: number;
  /** Load the demo province on first start with an empty store. */
  seedDemo: boolean;
  /** With the demo province, a year of demo dossiers (SEED_DEMO_HISTORY=false: the province alone). */
  seedDemoHistory: boolean;
  /** Run the overdue watcher (appends DossierBecameOverdue when a due instant passes). */
  overdueWatcher: boolean;
  /** Live report streams a key may hold open at once; 0 turns the limit off. */
  liveStreamsPerKey: number;
  /** Live report streams open at once, all keys together; 0 turns the limit off. */
  liveStreamsMax: number;
  /** A feed stream whose client has not taken what was sent to it within this long, in ms, is dropped (its place freed); 0: never. */
  feedStallMs: number;
  /** /health/ready answers 503 once the oldest event not yet projected was stored longer ago than this, in seconds. */
  readyMaxLagSeconds: number;
  /** As-of reports computed at once (each replays the log); beyond it 429. 0 turns the limit off. */
  asOfConcurrency: number;
  /** Log level: `info` (default), `warn`, `error`, `silent`. */
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Time a client has to send its request line and headers, in ms (a slow sender is answered 408 and cut). */
  headersTimeoutMs: number;
  /** Time a client has to send its whole request, body included, in ms. */
  requestTimeoutMs: number;
  /** Time an idle keep-alive connection stays open between requests, in ms. */
  keepAliveTimeoutMs: number;
  /** Time a connection may stay silent (nothing received or sent) while a request is under way, in ms; 0: no limit. */
  connectionTimeoutMs: number;
  /** Seal the log's hash chain after this many events (0: not by count). */
  sealEveryEvents: number;
  /** Seal the log's hash chain this often, in minutes, when events came since the last seal (0: not by time). */
  sealEveryMinutes: number;
  /** Fastify's `trustProxy`: whose X-Forwarded-For to believe for the client address (false: nobody's). */
  trustProxy: boolean | number | string;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const dataDir = resolve(env.DATA_DIR ?? './data');
  const eventStore = (env.EVENT_STORE ?? 'sqlite').toLowerCase();
  if (eventStore !== 'sqlite' && eventStore !== 'esdb') {
    throw new ConfigError(`EVENT_STORE must be "sqlite" or "esdb", not "${env.EVENT_STORE}"`);
  }
  if (eventStore === 'esdb' && !env.ESDB_CONNECTION_STRING) {
    throw new ConfigError('EVENT_STORE=esdb needs ESDB_CONNECTION_STRING, e.g. esdb://localhost:2113?tls=false');
  }
  const sync = (env.SQLITE_SYNCHRONOUS ?? 'full').toLowerCase();
  if (sync !== 'full' && sync !== 'normal') {
    throw new ConfigError(`SQLITE_SYNCHRONOUS must be "full" or "normal", not "${env.SQLITE_SYNCHRONOUS}"`);
  }
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of debug, info, warn, error, silent`);
  }
  return {
    port: integer(env.PORT, 3000, 'PORT'),
    host: env.HOST ?? '0.0.0.0',
    dataDir,
    eventStore,
    esdbConnectionString: env.ESDB_CONNECTION_STRING,
    sqliteSynchronous: sync,
    apiKeysFile: resolve(env.API_KEYS_FILE ?? join(dataDir, 'api-keys.json')),
    rateLimitPerMinute: integer(env.RATE_LIMIT_PER_MINUTE, 6000, 'RATE_LIMIT_PER_MINUTE'),
    bodyLimitBytes: integer(env.BODY_LIMIT_BYTES, 65536, 'BODY_LIMIT_BYTES'),
    importBodyLimitBytes: integer(env.IMPORT_BODY_LIMIT_BYTES, 512 * 1024 * 1024, 'IMPORT_BODY_LIMIT_BYTES'),
    registerBodyLimitBytes: integer(env.REGISTER_BODY_LIMIT_BYTES, 64 * 1024 * 1024, 'REGISTER_BODY_LIMIT_BYTES'),
    seedDemo: (env.SEED_DEMO ?? 'true') !== 'false',
    seedDemoHistory: (env.SEED_DEMO_HISTORY ?? 'true') !== 'false',
    overdueWatcher: (env.OVERDUE_WATCHER ?? 'true') !== 'false',
    liveStreamsPerKey: integer(env.LIVE_STREAMS_PER_KEY, 20, 'LIVE_STREAMS_PER_KEY'),
    liveStreamsMax: integer(env.LIVE_STREAMS_MAX, 1000, 'LIVE_STREAMS_MAX'),
    feedStallMs: integer(env.FEED_STALL_MS, 60_000, 'FEED_STALL_MS'),
    asOfConcurrency: integer(env.AS_OF_CONCURRENCY, 2, 'AS_OF_CONCURRENCY'),
    logLevel: logLevel as AppConfig['logLevel'],
    readyMaxLagSeconds: integer(env.READY_MAX_LAG_SECONDS, 30, 'READY_MAX_LAG_SECONDS'),
    sealEveryEvents: integer(env.AUDIT_SEAL_EVERY_EVENTS, 1000, 'AUDIT_SEAL_EVERY_EVENTS'),
    sealEveryMinutes: integer(env.AUDIT_SEAL_EVERY_MINUTES, 10, 'AUDIT_SEAL_EVERY_MINUTES'),
    ...timeouts(env),
    trustProxy: trustProxy(env.TRUST_PROXY),
  };
}

function timeouts(env: NodeJS.ProcessEnv): Pick<AppConfig, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'connectionTimeoutMs'> {
  const headersTimeoutMs = integer(env.HEADERS_TIMEOUT_MS, 10_000, 'HEADERS_TIMEOUT_MS');
  const requestTimeoutMs = integer(env.REQUEST_TIMEOUT_MS, 30_000, 'REQUEST_TIMEOUT_MS');
  // Fastify's default, a little longer than the 60 s idle timeout of the usual proxies and load
  // balancers, so that they never reuse a connection the service is closing.
  const keepAliveTimeoutMs = integer(env.KEEP_ALIVE_TIMEOUT_MS, 72_000, 'KEEP_ALIVE_TIMEOUT_MS');
  const connectionTimeoutMs = integer(env.CONNECTION_TIMEOUT_MS, 120_000, 'CONNECTION_TIMEOUT_MS');
  // 0 would mean "wait for ever", which is what these settings exist to prevent.
  for (const [name, value] of [['HEADERS_TIMEOUT_MS', headersTimeoutMs], ['REQUEST_TIMEOUT_MS', requestTimeoutMs], ['KEEP_ALIVE_TIMEOUT_MS', keepAliveTimeoutMs]] as const) {
    if (value === 0) throw new ConfigError(`${name} must be a positive number of milliseconds`);
  }
  if (headersTimeoutMs > requestTimeoutMs) throw new ConfigError('HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS (the headers are part of the request)');
  return { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, connectionTimeoutMs };
}

/** `TRUST_PROXY`: unset or false, true (any proxy), a hop count, or addresses / CIDR ranges separated by commas. */
function trustProxy(value: string | undefined): AppConfig['trustProxy'] {
  const text = (value ?? '').trim();
  if (text === '' || text.toLowerCase() === 'false') return false;
  if (text.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !/^[0-9A-Fa-f.:]+(\/\d{1,3})?$/.test(e) && !['loopback', 'linklocal', 'uniquelocal'].includes(e));
  if (bad.length > 0 || entries.some((e) => e === '')) {
    throw new ConfigError(`TRUST_PROXY must be true, false, a number of proxies, or addresses / CIDR ranges separated by commas (not "${value}")`);
  }
  return entries.join(',');
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer, not "${value}"`);
  return n;
}

/** Injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
