import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import type { DestinationStream } from 'pino';
import { errorCodes, LogController } from 'fastify';
import { AppModule, type AppOptions } from './app.module.js';
import type { AppConfig } from './config.js';
import { Authenticator } from './access/authenticator.js';
import { answerClientError } from './common/client-errors.js';
import { secureDataDir } from './common/data-dir.js';
import { parseJsonBody } from './common/json-body.js';
import { createLogger, PinoNestLogger } from './common/json-logger.js';
import { sendProblem } from './common/problem.filter.js';
import { createValidationPipe } from './common/validation.js';
import { Metrics } from './operations/metrics.js';
import { mountApiDocs } from './docs/api-docs.js';
import { mountDashboard } from './dashboard/dashboard.js';

export interface CreateAppOptions extends AppOptions {
  /** Where the log lines go (stdout by default); tests read them from here. */
  logDestination?: DestinationStream;
}

/** Builds the whole service (used by main.ts, the tests and the benchmarks alike). */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  secureDataDir(config.dataDir);
  // One pino logger for Fastify (its request lines) and Nest (every Logger of the service).
  const logger = createLogger(config.logLevel, options.logDestination);
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    loggerInstance: logger,
    // One line per request, written when it is answered (below), rather than Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Slow clients: a connection that does not deliver its headers, or its whole request, in time
    // is answered 408 and closed, so that a crowd of them cannot hold the service's descriptors.
    // Node checks these every `connectionsCheckingInterval` (30 s by default: too coarse).
    http: { headersTimeout: config.headersTimeoutMs, requestTimeout: config.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs) },
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    // (a hop count is Fastify's too, though its adapter's type omits it)
    trustProxy: config.trustProxy as boolean | string,
    // What Fastify and Node refuse before a route runs answers problem+json too, never quoting the URL.
    frameworkErrors: (error: unknown, _request: unknown, reply: FastifyReply) => sendProblem(reply, error),
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    logger: new PinoNestLogger(logger),
    bufferLogs: false,
    // Fastify's own JSON parser (the one a bare Fastify route uses), not Nest's wrapper of it,
    // which reads each body as a Buffer and builds a new parser per request. Nothing here needs
    // the raw body, and commands take JSON only: forms are refused with 415 (below).
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // A route that takes a whole register as JSON (route config `bodyLimit: 'register'`) has the
  // register's limit rather than BODY_LIMIT_BYTES. Routes are registered by init(), below.
  fastify.addHook('onRoute', (route) => {
    if ((route.config as { bodyLimit?: unknown } | undefined)?.bodyLimit === 'register') route.bodyLimit = config.registerBodyLimitBytes;
  });
  const metrics = app.get(Metrics);
  const requestLog = logger.isLevelEnabled('info');
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    if (requestLog) request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });
  // Graceful shutdown: answers finished after close() began end their connection. The server's
  // close closes the connections idle at that moment only, and a keep-alive one that goes idle later
  // would hold the process for Fastify's keep-alive timeout (72 s). (Setting the keep-alive timeout
  // to 1 ms at close instead was tried: Node adds a second to it, and answers still offer keep-alive.)
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  // The key is checked before the body is read (see Authenticator).
  fastify.addHook('onRequest', app.get(Authenticator).onRequest);
  // Commands take JSON only: a text body is refused with 415 rather than parsed as a string.
  fastify.removeContentTypeParser('text/plain');
  // Fastify's JSON parser with a bound on nesting and `__proto__` named as an unknown field (json-body.ts).
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // A POST without a body sent as a form (`curl -d ''`, say to /projections/rebuild) has nothing
  // to parse; a form with fields is refused with 415 like any body that is not JSON.
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') done(null, undefined);
    else done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('application/x-www-form-urlencoded'), undefined);
  });

  // The API explorer and the OpenAPI document at /docs (src/docs/api-docs.ts), open to all.
  mountApiDocs(app);
  // The supervisors' dashboard at / (src/dashboard/dashboard.ts), its page and assets open to all.
  mountDashboard(app);
  app.useGlobalPipes(createValidationPipe());
  await app.init();
  await fastify.ready();
  return app;
}
