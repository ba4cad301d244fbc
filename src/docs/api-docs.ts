/**
 * The API explorer: GET /docs is Swagger UI for a browser (its scripts and styles served from
 * this service, out of the swagger-ui-dist package: no CDN, so it works on a closed network) and the
 * OpenAPI document for a client asking JSON; GET /docs/openapi.json is the document always.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import Negotiator from 'negotiator';
import { BEARER, Problem } from './api-docs.decorators.js';

export const DOCS_PATH = '/docs';

const TAGS: [string, string][] = [
  ['dossier commands', 'Integrators record what happened to a dossier; each command appends events and answers the dossier as it now is.'],
  ['dossier reads', 'One dossier from its own stream: its state now, as known at a past instant (auditors), and its full history.'],
  ['reference data', 'Units, procedures and the working calendar: admins write them, every key reads them.'],
  ['supervision', 'Timeliness reports per unit (also as a live stream), step timeliness, and lists of dossiers.'],
  ['projections', 'The read models behind the reports: their progress, and a rebuild from the log.'],
  ['operations', 'Health and metrics for operators and load balancers.'],
  ['imports', 'Integrators bring in the history of existing dossiers, a file of past commands run through the same pipeline.'],
];

export function buildApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Dossier lifecycle service')
    .setDescription(
      'Event-sourced lifecycle and timeliness of administrative-procedure dossiers. Every route but /health and /docs needs ' +
        '`Authorization: Bearer <key>`; errors are `application/problem+json` with a stable `code`.',
    )
    .setVersion('0.1.0')
    // Relative: the explorer's "Try it out" calls the very service that served it, wherever it is deployed.
    .addServer('/', 'this service')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'an API key (one per role is generated on first start; `npm run keys` makes more)' }, BEARER)
    .addSecurityRequirements(BEARER);
  for (const [name, description] of TAGS) builder.addTag(name, description);
  return SwaggerModule.createDocument(app, builder.build(), { extraModels: [Problem] });
}

/** Serves the explorer and the document under /docs, open to all (the routes are marked public). */
export function mountApiDocs(app: NestFastifyApplication): OpenAPIObject {
  const document = buildApiDocument(app);
  const json = JSON.stringify(document);
  const fastify = app.getHttpAdapter().getInstance();
  // SwaggerModule registers its routes (and @fastify/static its asset route) itself: they are
  // marked public here, as they are added, for the authenticator hook to let them through; and the
  // page at /docs answers the document instead to a client that prefers JSON.
  fastify.addHook('onRoute', (route) => {
    if (route.url !== DOCS_PATH && !route.url.startsWith(`${DOCS_PATH}/`)) return;
    route.config = { ...(route.config as object | undefined), public: true } as typeof route.config;
    if (route.url === DOCS_PATH && route.method === 'GET') {
      const page = route.handler as (this: unknown, request: FastifyRequest, reply: FastifyReply) => unknown;
      route.handler = function (this: unknown, request: FastifyRequest, reply: FastifyReply) {
        void reply.header('Vary', 'Accept');
        if (prefersJson(request)) return reply.type('application/json; charset=utf-8').send(json);
        return page.call(this, request, reply);
      } as RouteHandlerMethod;
    }
  });
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}/openapi.json`,
    raw: ['json'],
    customSiteTitle: 'Dossier lifecycle service - API explorer',
    swaggerOptions: { persistAuthorization: false, displayRequestDuration: true },
  });
  return document;
}

/** JSON unless the client ranks HTML higher (a browser): curl and HTTP clients get the document. */
function prefersJson(request: FastifyRequest): boolean {
  return new Negotiator({ headers: { accept: request.headers.accept ?? '*/*' } }).mediaType(['application/json', 'text/html']) !== 'text/html';
}
