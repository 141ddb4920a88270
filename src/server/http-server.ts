/**
 * Builds the Fastify server: the registry under /v2, the REST API under /api/v1, /healthz, /metrics, request metrics and
 * access logs. It receives ready services (not the whole app context) so tests can inject them.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { apiPlugin } from '../api/api-plugin.js';
import { registryPlugin, type RegistryGuard, type RegistryPluginOptions } from '../registry/registry-plugin.js';
import type { ManifestService } from '../registry/services/manifest-service.js';
import type { UploadService } from '../registry/services/upload-service.js';
import type { ServerMetrics } from './metrics.js';
import { registerWebUi, uiConfigFromEnv, type WebUiOptions } from './web-ui.js';

export interface ServerDeps {
  readonly uploads: UploadService;
  readonly manifests: ManifestService;
  readonly metrics: ServerMetrics;
  readonly logger: FastifyBaseLogger;
  readonly publicUrl: string | undefined;
  readonly maxManifestBytes: number;
  readonly registryGuards?: readonly RegistryGuard[];
  /** Per-caller catalog filter and mount rule (src/access/registry-auth.ts). */
  readonly registryAuth?: Pick<RegistryPluginOptions, 'catalogFilter' | 'mountAllowed'>;
  /** Routes outside /v2 and /api/v1 (the token endpoint /auth/token). */
  readonly rootRoutes?: readonly FastifyPluginAsync[];
  /** /api/v1 route modules (src/app/api-routes.ts). */
  readonly apiRoutes?: readonly FastifyPluginAsync[];
  /** Web UI assets and settings (default: dist/web, settings from CROWSNEST_* env). */
  readonly webUi?: WebUiOptions;
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // One access-log line per request is written by our onResponse hook instead of two by Fastify.
    logController: new LogController({ disableRequestLogging: true }),
    // Repository names can be long and multi-component; the wildcard param must fit them.
    routerOptions: { maxParamLength: 2048 },
    // Keep-alive connections idle at shutdown are closed; busy ones finish their request first.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  const { metrics } = deps;
  app.addHook('onResponse', async (request, reply) => {
    const route = request.registryAccess?.endpoint ?? request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.requestDuration.observe({ route }, seconds);
    const length = Number(reply.getHeader('content-length'));
    if (request.method !== 'HEAD' && Number.isFinite(length)) metrics.bytesOut.inc(length);
    request.log.info(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
  });

  app.get('/healthz', async (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  await app.register(registryPlugin, {
    uploads: deps.uploads,
    manifests: deps.manifests,
    maxManifestBytes: deps.maxManifestBytes,
    onBytesIn: (n) => metrics.bytesIn.inc(Math.max(n, 0)),
    ...(deps.publicUrl !== undefined ? { publicUrl: deps.publicUrl } : {}),
    ...(deps.registryGuards ? { guards: deps.registryGuards } : {}),
    ...deps.registryAuth,
  });
  for (const routes of deps.rootRoutes ?? []) await app.register(routes);
  await app.register(apiPlugin, { prefix: '/api/v1', routes: deps.apiRoutes ?? [] });
  await registerWebUi(app, deps.webUi ?? { uiConfig: uiConfigFromEnv(process.env) });
  return app;
}
