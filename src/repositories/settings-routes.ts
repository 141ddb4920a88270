/**
 * `GET|PUT /api/v1/repositories/{ns}/{name}/settings` (CONTRACT.md): readers see the settings,
 * only repository admins (namespace owners, org owners, repository admins) change them.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { AccessPolicy } from '../access/access-policy.js';
import { requireRepositoryAccess } from '../access/require-access.js';
import { repositoryFromParams } from '../api/repository-name.js';
import { ANALYSIS_LEVELS, type RepositorySettingsStore } from './repository-settings.js';

const Params = Type.Object({ ns: Type.String(), name: Type.String() });
const SettingsBody = Type.Object(
  { analysis: Type.Union(ANALYSIS_LEVELS.map((level) => Type.Literal(level))) },
  { additionalProperties: false },
);
type SettingsBody = Static<typeof SettingsBody>;

export interface SettingsRoutesDeps {
  readonly access: AccessPolicy;
  readonly settings: RepositorySettingsStore;
  /** Records who changed a setting (the audit log). */
  readonly audit?: (actor: string | null, repository: string, details: unknown) => Promise<void>;
}

export function settingsRoutes(deps: SettingsRoutesDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get<{ Params: Static<typeof Params> }>(
      '/repositories/:ns/:name/settings',
      { schema: { params: Params } },
      async (request) => {
        const repository = repositoryFromParams(request.params);
        await requireRepositoryAccess(deps.access, request, repository, 'pull');
        return deps.settings.get(repository);
      },
    );
    app.put<{ Params: Static<typeof Params>; Body: SettingsBody }>(
      '/repositories/:ns/:name/settings',
      { schema: { params: Params, body: SettingsBody } },
      async (request) => {
        const repository = repositoryFromParams(request.params);
        const principal = await requireRepositoryAccess(deps.access, request, repository, 'admin');
        const actor = principal.kind === 'user' ? principal.name : undefined;
        const before = await deps.settings.get(repository);
        const after = await deps.settings.setAnalysis(repository, request.body.analysis, actor);
        await deps.audit?.(actor ?? null, repository, { analysis: { from: before.analysis, to: after.analysis } });
        return after;
      },
    );
  };
}
