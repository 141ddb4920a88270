/** The HTTP server's dependencies taken from the app context (one place for serve and tests). */
import { openAccessPolicy, type Principal } from '../access/access-policy.js';
import { registryAuth, tokenRoutes } from '../access/registry-auth.js';
import type { ServerDeps } from '../server/http-server.js';
import { apiRoutesFor } from './api-routes.js';
import type { AppContext } from './app-context.js';

export function serverDepsFor(ctx: AppContext, extra: Partial<ServerDeps> = {}): ServerDeps {
  const onPushAllowed = async (principal: Principal, repository: string) => {
    if (await ctx.accounts.getRepository(repository)) return;
    const actor = principal.kind === 'user' ? principal.name : null;
    await ctx.accounts.ensureRepository(repository, actor);
    // A team member creating in an organization administers what they created (as on GitHub).
    if (principal.kind === 'user' && !principal.siteAdmin && repository.split('/')[0] !== principal.name) {
      await ctx.accounts.setPermission(repository, 'user', principal.name, 'admin');
    }
    await ctx.accounts.audit(actor, 'repository.create', repository, { visibility: 'private' });
  };
  const auth = ctx.access === openAccessPolicy ? undefined : registryAuth({ access: ctx.access, publicUrl: ctx.config.publicUrl, onPushAllowed });
  return {
    ...(auth ? { registryGuards: [auth.guard], registryAuth: { catalogFilter: auth.catalogFilter, mountAllowed: auth.mountAllowed } } : {}),
    rootRoutes: [tokenRoutes({ access: ctx.access, signer: ctx.tokenSigner })],
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
