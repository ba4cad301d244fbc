import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
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
    // the raw body, and commands take JSON only: a form body is refused with 415 like text.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(Metrics);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  // Graceful shutdown: the server's close ends the connections idle at that moment only, and a
  // keep-alive one that goes idle later would hold the process for Fastify's keep-alive timeout
  // (72 s). From close() on, a connection whose answer is finished is ended at once: Node applies
  // the keep-alive timeout each time a connection goes idle. (Not a per-request onSend hook: every
  // answer would pay for it.)
  fastify.addHook('preClose', (done) => {
    fastify.server.keepAliveTimeout = 1;
    done();
  });
  // Commands take JSON only: a text body is refused with 415 rather than parsed as a string.
  fastify.removeContentTypeParser('text/plain');

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
