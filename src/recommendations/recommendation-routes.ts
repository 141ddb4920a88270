/**
 * `GET /api/v1/repositories/{ns}/{name}/tags/{tag}/recommendations[?platform=os/arch]`: advice to fix
 * the tag's findings — package upgrades (smallest fixing version, findings removed by severity) and,
 * when the image was built on another image in this registry, newer tags of that base with what
 * switching would remove. Same access as the tag vulnerabilities route (read; 404 for strangers).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { AccessPolicy } from '../access/access-policy.js';
import { requireRepositoryAccess } from '../access/require-access.js';
import { resolveAnalyzedImage } from '../analysis/api/analyzed-image.js';
import type { SbomStore } from '../analysis/store/sbom-store.js';
import { repositoryFromParams } from '../api/repository-name.js';
import type { ImageEvaluator } from '../evaluation/image-evaluator.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { buildFixAdvice } from '../reports/fix-advice.js';
import type { BaseImages } from './base-images.js';

const TagParams = Type.Object({ ns: Type.String(), name: Type.String(), tag: Type.String() });
const PlatformQuery = Type.Object({ platform: Type.Optional(Type.String()) });

export interface RecommendationRoutesDeps {
  readonly access: AccessPolicy;
  readonly db: Kysely<Database>;
  readonly sboms: SbomStore;
  readonly queue: JobQueue;
  readonly evaluator: Pick<ImageEvaluator, 'reportFor'>;
  readonly baseImages: BaseImages;
}

export function recommendationRoutes(deps: RecommendationRoutesDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get<{ Params: Static<typeof TagParams>; Querystring: Static<typeof PlatformQuery> }>(
      '/repositories/:ns/:name/tags/:tag/recommendations',
      { schema: { params: TagParams, querystring: PlatformQuery } },
      async (request) => {
        const repository = repositoryFromParams(request.params);
        const principal = await requireRepositoryAccess(deps.access, request, repository, 'pull');
        const image = await resolveAnalyzedImage(deps, repository, request.params.tag, request.query.platform);
        const platform = image.record.platform;
        const report = await deps.evaluator.reportFor(repository, image.sbom, platform);
        const advice = buildFixAdvice(report);
        const readable = new Map<string, Promise<boolean>>();
        const canRead = (repo: string): Promise<boolean> => {
          let known = readable.get(repo);
          if (!known) {
            known = deps.access.grantedActions(principal, repo, ['pull']).then((g) => g.includes('pull'));
            readable.set(repo, known);
          }
          return known;
        };
        // Should an analysis-done event have been missed (a process stopped in between), the image is indexed on view.
        await deps.baseImages.ensureIndexed(image.sbom.image.digest, platform, [...image.sbom.image.layers].sort((a, b) => a.index - b.index).map((l) => l.digest));
        const baseImage = await deps.baseImages.advise({ repository, rootDigest: image.rootDigest, sbom: image.sbom, platform, report, canRead });
        return {
          image: { digest: image.rootDigest, manifestDigest: image.sbom.image.digest, platform },
          summary: report.summary,
          packages: advice.packages,
          unfixable: advice.unfixable,
          ...(baseImage ? { baseImage } : {}),
        };
      },
    );
  };
}
