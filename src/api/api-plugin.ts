/**
 * The REST API under /api/v1: one error edge (problem+json) and a list of route modules, each a
 * Fastify plugin built by its domain with the services it needs (src/app/api-routes.ts lists them).
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { collectOpenApi } from './openapi.js';
import { problemErrorHandler } from './problem.js';

export interface ApiPluginOptions {
  readonly routes: readonly FastifyPluginAsync[];
}

export async function apiPlugin(app: FastifyInstance, opts: ApiPluginOptions): Promise<void> {
  app.setErrorHandler(problemErrorHandler);
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: 'NOT_FOUND', status: 404, detail: `no route ${request.method} ${request.url}`, code: 'NOT_FOUND' }),
  );
  const openapi = collectOpenApi(app, app.prefix);
  app.get('/openapi.json', async () => openapi());
  for (const routes of opts.routes) await app.register(routes);
}
