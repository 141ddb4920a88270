/**
 * The vulnerability report surfaces of the API (CONTRACT.md):
 * `GET /api/v1/repositories/{ns}/{name}/tags/{tag}/vulnerabilities[?platform=os/arch]` — the tag's
 * report as last evaluated for that repository (push time for `basic`, kept current for `advanced`);
 * `…/tags/{tag}/timeline` — what each evaluation added, removed and changed; `GET /api/v1/vulnerability-db`
 * — data revision, counts per source and the scheduled-update state (signed-in users); and
 * `GET /api/v1/vulnerabilities/{id}` (any alias) — the merged advisory and the images it affects that
 * the caller may read.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { AccessPolicy } from '../access/access-policy.js';
import { requireRepositoryAccess } from '../access/require-access.js';
import { requireUser } from '../accounts/account-routes.js';
import { resolveAnalyzedImage } from '../analysis/api/analyzed-image.js';
import type { SbomStore } from '../analysis/store/sbom-store.js';
import { repositoryFromParams } from '../api/repository-name.js';
import { NotFoundError } from '../core/errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { reportSeverity } from '../reports/severity.js';
import { describeVulnerability } from '../vulndb/describe.js';
import type { UpdateSchedule } from '../vulndb/scheduled-updates.js';
import type { VulnDb } from '../vulndb/vulndb-store.js';
import type { ImageEvaluator } from './image-evaluator.js';

const TagParams = Type.Object({ ns: Type.String(), name: Type.String(), tag: Type.String() });
const PlatformQuery = Type.Object({ platform: Type.Optional(Type.String()) });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

export interface EvaluationRoutesDeps {
  readonly access: AccessPolicy;
  readonly db: Kysely<Database>;
  readonly sboms: SbomStore;
  readonly queue: JobQueue;
  readonly vulndb: VulnDb;
  readonly evaluator: ImageEvaluator;
  /** Scheduled-update state for the data status route. */
  readonly schedule?: () => Promise<UpdateSchedule>;
}

export function evaluationRoutes(deps: EvaluationRoutesDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get<{ Params: Static<typeof TagParams>; Querystring: Static<typeof PlatformQuery> }>(
      '/repositories/:ns/:name/tags/:tag/vulnerabilities',
      { schema: { params: TagParams, querystring: PlatformQuery } },
      async (request) => {
        const repository = repositoryFromParams(request.params);
        await requireRepositoryAccess(deps.access, request, repository, 'pull');
        const image = await resolveAnalyzedImage(deps, repository, request.params.tag, request.query.platform);
        return deps.evaluator.reportFor(repository, image.sbom, image.record.platform);
      },
    );

    app.get<{ Params: Static<typeof TagParams>; Querystring: Static<typeof PlatformQuery> }>(
      '/repositories/:ns/:name/tags/:tag/timeline',
      { schema: { params: TagParams, querystring: PlatformQuery } },
      async (request) => {
        const repository = repositoryFromParams(request.params);
        await requireRepositoryAccess(deps.access, request, repository, 'pull');
        const image = await resolveAnalyzedImage(deps, repository, request.params.tag, request.query.platform);
        // The first evaluation happens on first view when the analysis finished before anyone asked.
        await deps.evaluator.reportFor(repository, image.sbom, image.record.platform);
        const entries = await deps.evaluator.timeline(repository, image.sbom.image.digest, image.record.platform);
        return { image: { digest: image.sbom.image.digest, platform: image.record.platform }, entries };
      },
    );

    app.get('/vulnerability-db', async (request) => {
      await requireUser(deps.access, request);
      return { ...(await deps.vulndb.status()), ...(deps.schedule ? { schedule: await deps.schedule() } : {}) };
    });

    app.get<{ Params: Static<typeof IdParams> }>('/vulnerabilities/:id', { schema: { params: IdParams } }, async (request) => {
      const principal = await deps.access.authenticate(request);
      const view = await describeVulnerability(deps.vulndb, request.params.id);
      if (!view) throw new NotFoundError(`vulnerability ${request.params.id}`);
      const images = [];
      for (const image of await deps.evaluator.imagesAffectedBy(view.id)) {
        const granted = await deps.access.grantedActions(principal, image.repository, ['pull']);
        if (granted.includes('pull')) images.push(image);
      }
      return { ...view, severity: reportSeverity(view.severity), images };
    });
  };
}
