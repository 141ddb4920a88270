/**
 * `GET /api/v1/openapi.json`: an OpenAPI 3.1 document built from the routes registered under
 * /api/v1 and the TypeBox schemas that validate them (collected through Fastify's onRoute hook).
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

interface Collected {
  readonly method: string;
  readonly url: string;
  readonly schema: RouteOptions['schema'];
}

/** Starts collecting routes of `app` and its children; call before registering route modules. */
export function collectOpenApi(app: FastifyInstance, prefix: string): () => unknown {
  const routes: Collected[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) if (m !== 'HEAD') routes.push({ method: m.toLowerCase(), url: route.url, schema: route.schema });
  });
  return () => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of routes) {
      if (!r.url.startsWith(prefix)) continue;
      const path = r.url.slice(prefix.length).replace(/:([A-Za-z0-9_]+)/g, '{$1}') || '/';
      const schema = (r.schema ?? {}) as { params?: { properties?: Record<string, unknown> }; querystring?: { properties?: Record<string, unknown> }; body?: unknown };
      const parameters = [
        ...Object.entries(schema.params?.properties ?? {}).map(([name, s]) => ({ name, in: 'path', required: true, schema: s })),
        ...Object.entries(schema.querystring?.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: false, schema: s })),
      ];
      for (const name of path.match(/\{([^}]+)\}/g) ?? []) {
        const n = name.slice(1, -1);
        if (!parameters.some((p) => p.name === n)) parameters.push({ name: n, in: 'path', required: true, schema: { type: 'string' } });
      }
      (paths[path] ??= {})[r.method] = {
        parameters,
        ...(schema.body !== undefined ? { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } } : {}),
        responses: { default: { description: 'JSON on success; application/problem+json on errors' } },
      };
    }
    return {
      openapi: '3.1.0',
      info: { title: 'Crowsnest REST API', version: '1' },
      servers: [{ url: prefix }],
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic' },
          bearer: { type: 'http', scheme: 'bearer', description: 'personal access token' },
          session: { type: 'apiKey', in: 'cookie', name: 'crowsnest_session' },
        },
      },
      security: [{ basic: [] }, { bearer: [] }, { session: [] }],
      paths,
    };
  };
}
