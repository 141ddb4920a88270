/** The HTTP server's dependencies taken from the app context (one place for serve and tests). */
import type { ServerDeps } from '../server/http-server.js';
import { apiRoutesFor } from './api-routes.js';
import type { AppContext } from './app-context.js';

export function serverDepsFor(ctx: AppContext, extra: Partial<ServerDeps> = {}): ServerDeps {
  return {
    uploads: ctx.uploads,
    manifests: ctx.manifests,
    metrics: ctx.metrics,
    logger: ctx.log,
    publicUrl: ctx.config.publicUrl,
    maxManifestBytes: ctx.config.registry.maxManifestBytes,
    apiRoutes: apiRoutesFor(ctx),
    ...extra,
  };
}
