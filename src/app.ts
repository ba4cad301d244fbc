import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { errorCodes } from 'fastify';
import { AppModule, type AppOptions } from './app.module.js';
import type { AppConfig } from './config.js';
import { JsonLogger } from './common/json-logger.js';
import { createValidationPipe } from './common/validation.js';
import { Metrics } from './operations/metrics.js';

/** Builds the whole service (used by main.ts, the tests and the benchmarks alike). */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, logger: false, return503OnClosing: true });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    logger: new JsonLogger(config.logLevel),
    bufferLogs: false,
    // Fastify's own JSON parser (the one a bare Fastify route uses), not Nest's wrapper of it,
    // which reads each body as a Buffer and builds a new parser per request. Nothing here needs
    // the raw body, and commands take JSON only: forms are refused with 415 (below).
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(Metrics);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
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
  // Commands take JSON only: a text body is refused with 415 rather than parsed as a string.
  fastify.removeContentTypeParser('text/plain');
  // A POST without a body sent as a form (`curl -d ''`, say to /projections/rebuild) has nothing
  // to parse; a form with fields is refused with 415 like any body that is not JSON.
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') done(null, undefined);
    else done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('application/x-www-form-urlencoded'), undefined);
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Dossier lifecycle service')
      .setDescription('Event-sourced lifecycle and timeliness of administrative-procedure dossiers')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  // The document itself is served (no bundled UI): paste it into any OpenAPI viewer or client generator.
  fastify.get('/docs', (_request, reply) => reply.send(document));
  fastify.get('/docs/openapi.json', (_request, reply) => reply.send(document));
  app.useGlobalPipes(createValidationPipe());
  await app.init();
  await fastify.ready();
  return app;
}
