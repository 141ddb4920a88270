/**
 * /api/v1 repositories: the list of what the caller can see, one repository (visibility, description,
 * the caller's rights), PATCH of visibility/description, and per-repository user/team permissions.
 * A repository the caller may not read answers 404, as if it did not exist.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { AccessPolicy, RepositoryAction } from '../access/access-policy.js';
import { requireRepositoryAccess } from '../access/require-access.js';
import { repositoryFromParams } from '../api/repository-name.js';
import { NotFoundError } from '../core/errors.js';
import { PERMISSION_LEVELS, type AccountsStore, type RepositoryInfo } from './accounts-store.js';

export interface RepositoryRoutesDeps {
  readonly access: AccessPolicy;
  readonly accounts: AccountsStore;
  /** Every repository name the registry holds (content exists). */
  readonly registryNames: () => Promise<string[]>;
}

const ALL_ACTIONS: readonly RepositoryAction[] = ['pull', 'push', 'delete', 'admin'];
const Params = Type.Object({ ns: Type.String(), name: Type.String() });
const UserPermParams = Type.Object({ ns: Type.String(), name: Type.String(), user: Type.String({ minLength: 1, maxLength: 64 }) });
const TeamPermParams = Type.Object({
  ns: Type.String(),
  name: Type.String(),
  org: Type.String({ minLength: 1, maxLength: 64 }),
  team: Type.String({ minLength: 1, maxLength: 64 }),
});
const Patch = Type.Object(
  {
    visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('private')])),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
const PermissionBody = Type.Object({ level: Type.Union(PERMISSION_LEVELS.map((l) => Type.Literal(l))) }, { additionalProperties: false });

function view(name: string, info: RepositoryInfo | undefined, actions: readonly RepositoryAction[]) {
  return {
    name,
    namespace: name.split('/')[0] ?? name,
    visibility: info?.visibility ?? 'private',
    description: info?.description ?? '',
    createdAt: info?.createdAt ?? null,
    permissions: { pull: actions.includes('pull'), push: actions.includes('push'), delete: actions.includes('delete'), admin: actions.includes('admin') },
  };
}

export function repositoryRoutes(deps: RepositoryRoutesDeps): FastifyPluginAsync {
  const { access, accounts } = deps;

  async function known(repository: string): Promise<boolean> {
    return (await accounts.getRepository(repository)) !== undefined || (await deps.registryNames()).includes(repository);
  }

  return async (app: FastifyInstance) => {
    app.get('/repositories', async (request) => {
      const principal = await access.authenticate(request);
      const names = new Set([...(await deps.registryNames()), ...(await accounts.listRepositories()).map((r) => r.name)]);
      const out = [];
      for (const name of [...names].sort()) {
        const actions = await access.grantedActions(principal, name, ALL_ACTIONS);
        if (actions.includes('pull')) out.push(view(name, await accounts.getRepository(name), actions));
      }
      return out;
    });
    app.get<{ Params: Static<typeof Params> }>('/repositories/:ns/:name', { schema: { params: Params } }, async (request) => {
      const repository = repositoryFromParams(request.params);
      const principal = await requireRepositoryAccess(access, request, repository, 'pull');
      if (!(await known(repository))) throw new NotFoundError(`repository ${repository}`);
      return view(repository, await accounts.getRepository(repository), await access.grantedActions(principal, repository, ALL_ACTIONS));
    });
    app.patch<{ Params: Static<typeof Params>; Body: Static<typeof Patch> }>(
      '/repositories/:ns/:name',
      { schema: { params: Params, body: Patch } },
      async (request) => {
        const repository = repositoryFromParams(request.params);
        const principal = await requireRepositoryAccess(access, request, repository, 'admin');
        if (!(await known(repository))) throw new NotFoundError(`repository ${repository}`);
        const actor = principal.kind === 'user' ? principal.name : null;
        const before = await accounts.getRepository(repository);
        if (!before) await accounts.ensureRepository(repository, actor);
        const patch: { visibility?: 'public' | 'private'; description?: string } = {};
        if (request.body.visibility !== undefined) patch.visibility = request.body.visibility;
        if (request.body.description !== undefined) patch.description = request.body.description;
        const info = await accounts.updateRepository(repository, patch);
        await accounts.audit(actor, 'repository.update', repository, { from: { visibility: before?.visibility ?? 'private' }, to: request.body });
        return view(repository, info, await access.grantedActions(principal, repository, ALL_ACTIONS));
      },
    );

    app.get<{ Params: Static<typeof Params> }>('/repositories/:ns/:name/permissions', { schema: { params: Params } }, async (request) => {
      const repository = repositoryFromParams(request.params);
      await requireRepositoryAccess(access, request, repository, 'admin');
      return accounts.listPermissions(repository);
    });
    app.put<{ Params: Static<typeof UserPermParams>; Body: Static<typeof PermissionBody> }>(
      '/repositories/:ns/:name/permissions/users/:user',
      { schema: { params: UserPermParams, body: PermissionBody } },
      async (request, reply) => {
        const repository = repositoryFromParams(request.params);
        const principal = await requireRepositoryAccess(access, request, repository, 'admin');
        await accounts.setPermission(repository, 'user', request.params.user, request.body.level);
        await accounts.audit(principal.kind === 'user' ? principal.name : null, 'permission.set', repository, { user: request.params.user, level: request.body.level });
        return reply.code(204).send();
      },
    );
    app.delete<{ Params: Static<typeof UserPermParams> }>(
      '/repositories/:ns/:name/permissions/users/:user',
      { schema: { params: UserPermParams } },
      async (request, reply) => {
        const repository = repositoryFromParams(request.params);
        const principal = await requireRepositoryAccess(access, request, repository, 'admin');
        await accounts.removePermission(repository, 'user', request.params.user);
        await accounts.audit(principal.kind === 'user' ? principal.name : null, 'permission.remove', repository, { user: request.params.user });
        return reply.code(204).send();
      },
    );
    app.put<{ Params: Static<typeof TeamPermParams>; Body: Static<typeof PermissionBody> }>(
      '/repositories/:ns/:name/permissions/teams/:org/:team',
      { schema: { params: TeamPermParams, body: PermissionBody } },
      async (request, reply) => {
        const repository = repositoryFromParams(request.params);
        const principal = await requireRepositoryAccess(access, request, repository, 'admin');
        const team = `${request.params.org}/${request.params.team}`;
        await accounts.setPermission(repository, 'team', team, request.body.level);
        await accounts.audit(principal.kind === 'user' ? principal.name : null, 'permission.set', repository, { team, level: request.body.level });
        return reply.code(204).send();
      },
    );
    app.delete<{ Params: Static<typeof TeamPermParams> }>(
      '/repositories/:ns/:name/permissions/teams/:org/:team',
      { schema: { params: TeamPermParams } },
      async (request, reply) => {
        const repository = repositoryFromParams(request.params);
        const principal = await requireRepositoryAccess(access, request, repository, 'admin');
        const team = `${request.params.org}/${request.params.team}`;
        await accounts.removePermission(repository, 'team', team);
        await accounts.audit(principal.kind === 'user' ? principal.name : null, 'permission.remove', repository, { team });
        return reply.code(204).send();
      },
    );
  };
}
