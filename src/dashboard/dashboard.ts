/**
 * The supervisors' dashboard at `/`: the page and its assets, built by `npm run build` (Vite, from
 * web/) into dist/web, served from this service (no CDN, no second server), open without a key like
 * /docs. The page's own API calls carry the user's key.
 */
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../common/errors.js';
import { sendProblem } from '../common/problem.filter.js';

/** Only this service's own scripts, styles and API; nothing inline, no frames. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** dist/web under the package root (found from this module, as from src/ in tests and dist/src/ in production). */
export function dashboardDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'web');
}

/** Registers the page's routes, each marked public (in a context of their own, so the hook touches nothing else). */
export function mountDashboard(app: NestFastifyApplication, dir = dashboardDir()): void {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  void fastify.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object | undefined), public: true } as typeof route.config;
    });
    if (!existsSync(join(dir, 'index.html'))) {
      // Built without the page (tsc alone): say how to get it rather than a bare 404.
      scope.get('/', (_request, reply) => sendProblem(reply, new AppError('UNAVAILABLE', 'the dashboard is not built: run `npm run build`')));
      return;
    }
    await scope.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      // One route per file found at start (the build's output), so that no catch-all route answers
      // paths of the API that do not exist.
      wildcard: false,
      decorateReply: false,
      cacheControl: false,
      setHeaders: (res, path) => {
        if (path.endsWith('.html')) {
          res.setHeader('Cache-Control', 'no-cache');
          res.setHeader('Content-Security-Policy', CSP);
          res.setHeader('Referrer-Policy', 'no-referrer');
        } else {
          // Vite puts a content hash in every asset's name.
          res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        }
        res.setHeader('X-Content-Type-Options', 'nosniff');
      },
    });
  });
}
