/**
 * The vulnerability report surfaces of the API (CONTRACT.md):
 * `GET /api/v1/repositories/{ns}/{name}/tags/{tag}/vulnerabilities[?platform=os/arch]` — the tag's
 * report, matched against the current data; and `GET /api/v1/vulnerabilities/{id}` (any alias) —
 * the merged advisory and the images it affects that the caller may read.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { AccessPolicy } from '../access/access-policy.js';
import { requireRepositoryAccess } from '../access/require-access.js';
import { resolveAnalyzedImage } from '../analysis/api/analyzed-image.js';
import type { SbomStore } from '../analysis/store/sbom-store.js';
import { repositoryFromParams } from '../api/repository-name.js';
import { NotFoundError } from '../core/errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { reportSeverity } from '../reports/severity.js';
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
}

/** Tagged images whose latest evaluation contains advisory `id` (finding keys are "purl id"). */
async function imagesAffectedBy(db: Kysely<Database>, id: string): Promise<{ repository: string; tag: string; digest: string }[]> {
  const rows = await db
    .selectFrom('image_evaluations as e')
    .innerJoin('analyses as a', (j) => j.onRef('a.manifest_digest', '=', 'e.manifest_digest').onRef('a.platform', '=', 'e.platform'))
    .innerJoin('tags as t', 't.manifest_digest', 'a.root_digest')
    .select(['t.repository', 't.name', 'a.root_digest', 'e.finding_keys'])
    .where('e.finding_keys', 'like', `% ${id.replace(/[%_]/g, '')}"%`)
    .orderBy('t.repository')
    .orderBy('t.name')
    .execute();
  const seen = new Set<string>();
  const out: { repository: string; tag: string; digest: string }[] = [];
  for (const r of rows) {
    // The LIKE prefilter is loose; the parsed keys decide.
    const keys = JSON.parse(r.finding_keys) as string[];
    if (!keys.some((k) => k.endsWith(` ${id}`))) continue;
    const key = `${r.repository}:${r.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ repository: r.repository, tag: r.name, digest: r.root_digest });
  }
  return out;
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
        const { report } = await deps.evaluator.evaluate(image.sbom, image.record.platform);
        return report;
      },
    );

    app.get<{ Params: Static<typeof IdParams> }>('/vulnerabilities/:id', { schema: { params: IdParams } }, async (request) => {
      const principal = await deps.access.authenticate(request);
      const found = await deps.vulndb.getVulnerability(request.params.id);
      if (!found) throw new NotFoundError(`vulnerability ${request.params.id}`);
      const primary = found.records.find((r) => r.advisory.id === found.id) ?? found.records[0];
      const advisory = primary?.advisory;
      const severity = found.records.map((r) => r.advisory.severity?.rating).find((s) => s !== undefined) ?? found.metrics?.rating;
      const cvss = found.metrics?.cvss ?? found.records.flatMap((r) => r.advisory.severity?.cvss ?? [])[0];
      const images = [];
      for (const image of await imagesAffectedBy(deps.db, found.id)) {
        const granted = await deps.access.grantedActions(principal, image.repository, ['pull']);
        if (granted.includes('pull')) images.push(image);
      }
      return {
        id: found.id,
        aliases: found.aliases,
        summary: found.records.map((r) => r.advisory.summary).find((s) => s !== undefined) ?? null,
        details: found.records.map((r) => r.advisory.details).find((s) => s !== undefined) ?? null,
        severity: reportSeverity(severity),
        cvss: cvss ? { score: cvss.score ?? null, vector: cvss.vector, version: cvss.version } : null,
        published: advisory?.published ?? null,
        modified: advisory?.modified ?? null,
        withdrawn: advisory?.withdrawn ?? null,
        ...(found.metrics?.kevDateAdded ? { knownExploited: { dateAdded: found.metrics.kevDateAdded } } : {}),
        ...(found.metrics?.epssScore !== undefined ? { epss: { score: found.metrics.epssScore, percentile: found.metrics.epssPercentile ?? null } } : {}),
        affected: found.records.flatMap((r) => r.advisory.affected.map((a) => ({ ...a, source: r.source }))),
        references: [...new Map(found.records.flatMap((r) => r.advisory.references).map((ref) => [ref.url, ref])).values()],
        sources: found.records.map((r) => ({ source: r.source, id: r.advisory.id })),
        images,
      };
    });
  };
}
