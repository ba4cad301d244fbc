/**
 * Files some routes take unparsed (an import file, a unit's register): the body reaches the route
 * as a stream, which the handler reads with a limit of its own once the guard let the request
 * through (Fastify would otherwise buffer the body before the guard runs). Every other route
 * keeps refusing these media types with 415.
 */
import { errorCodes, type FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { AppError } from './errors.js';

const routesByType = new WeakMap<FastifyInstance, Map<string, Set<string>>>();

/** Lets the route (as declared, `/units/:unitId/reconciliations`) take these media types as a stream. */
export function acceptRawBodies(fastify: FastifyInstance, mediaTypes: readonly string[], route: string): void {
  let byType = routesByType.get(fastify);
  if (!byType) routesByType.set(fastify, (byType = new Map()));
  for (const type of mediaTypes) {
    let routes = byType.get(type);
    if (routes) {
      routes.add(route);
      continue;
    }
    if (fastify.hasContentTypeParser(type)) continue;
    byType.set(type, (routes = new Set([route])));
    const accepted = routes;
    fastify.addContentTypeParser(type, (request, payload, done) => {
      if (accepted.has(request.routeOptions.url ?? '')) done(null, payload);
      else done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(type), undefined);
    });
  }
}

/** The body as a raw-body parser left it (a stream), or as another parser did (a Buffer or a string). */
export function readRawBody(body: unknown, limit: number, tooLarge: () => AppError): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body.length > limit ? Promise.reject(tooLarge()) : Promise.resolve(body);
  if (typeof body === 'string') return readRawBody(Buffer.from(body), limit, tooLarge);
  if (!(body instanceof Readable)) return Promise.reject(new AppError('VALIDATION_FAILED', 'the request has no file', []));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // The rest is read and dropped, so that the answer can still be sent on this connection.
      body.off('data', onData);
      chunks.length = 0;
      body.resume();
      reject(tooLarge());
    };
    body.on('data', onData);
    body.once('end', () => resolve(Buffer.concat(chunks)));
    body.once('error', reject);
  });
}
