/**
 * `GET /api/v1/repositories/{ns}/{name}/tags` (tags with platforms and analysis status + vulnerability
 * summary) and `GET …/tags/{tag}/sbom?format=cyclonedx|spdx|json[&platform=os/arch]`.
 * SBOM answers: 200 with the document; 404 problem+json when the tag is unknown, the image was never
 * analyzed, or its analysis failed / is unsupported (detail says which); 409 problem+json while the
 * analysis is queued or running (retry later) — the SBOM does not exist yet, and 409 keeps 2xx for
 * "here is your document".
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { AccessPolicy } from '../../access/access-policy.js';
import { requireRepositoryAccess } from '../../access/require-access.js';
import { repositoryFromParams } from '../../api/repository-name.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { listPlatforms, resolveImage, type BlobSource } from '../../image/image-reader.js';
import type { JobQueue } from '../../jobs/job-queue.js';
import type { Database } from '../../metadata/kysely/schema/index.js';
import { isSbomFormat, renderSbom, SBOM_FORMATS, type SbomFormat } from '../../sbom/formats.js';
import { ANALYZE_JOB } from '../engine/analysis-service.js';
import { platformString, type AnalysisRecord, type SbomStore } from '../store/sbom-store.js';
import { platformRank, resolveAnalyzedImage } from './analyzed-image.js';

export type TagAnalysisStatus = 'none' | 'queued' | 'running' | 'done' | 'failed' | 'unsupported';

export interface VulnerabilitySummary {
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  readonly unknown: number;
}

/** Supplied by the vulnerability matcher (a later issue); keyed by the pushed digest. */
export interface VulnerabilitySummaryProvider {
  summaryFor(repository: string, rootDigest: string): Promise<{ summary: VulnerabilitySummary; evaluatedAt: string } | undefined>;
}

const ZERO: VulnerabilitySummary = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };

export interface AnalysisRoutesDeps {
  readonly access: AccessPolicy;
  readonly db: Kysely<Database>;
  readonly sboms: SbomStore;
  readonly queue: JobQueue;
  readonly source: BlobSource;
  /** Absent until the matcher exists: summaries are then all zeros and evaluatedAt is null. */
  readonly vulnerabilities?: VulnerabilitySummaryProvider;
  /** External base URL; its host names this registry in purls and SPDX namespaces (else the request's Host). */
  readonly publicUrl?: string;
}

const RepoParams = Type.Object({ ns: Type.String(), name: Type.String() });
const TagParams = Type.Object({ ns: Type.String(), name: Type.String(), tag: Type.String() });
const SbomQuery = Type.Object({ format: Type.Optional(Type.String()), platform: Type.Optional(Type.String()) });

const MAX_TAGS = 1000;

const CONTENT_TYPES: Record<SbomFormat, string> = {
  cyclonedx: 'application/vnd.cyclonedx+json',
  spdx: 'application/spdx+json',
  json: 'application/json',
};

/** One status for a pushed digest: in-flight work first, then any platform done, else failed/unsupported. */
export function aggregateStatus(records: readonly AnalysisRecord[], jobStatus: string | undefined): TagAnalysisStatus {
  if (jobStatus === 'running') return 'running';
  if (jobStatus === 'queued') return records.some((r) => r.status === 'running') ? 'running' : 'queued';
  if (records.some((r) => r.status === 'running')) return 'running';
  if (records.some((r) => r.status === 'queued')) return 'queued';
  if (records.some((r) => r.status === 'done')) return 'done';
  if (records.some((r) => r.status === 'failed')) return 'failed';
  if (records.length > 0) return 'unsupported';
  return jobStatus === 'dead' ? 'failed' : 'none';
}

export function analysisRoutes(deps: AnalysisRoutesDeps): FastifyPluginAsync {
  const platformsOf = async (digest: string, records: readonly AnalysisRecord[]): Promise<string[]> => {
    if (records.length > 0) return records.map((r) => r.platform).filter(Boolean).sort((a, b) => platformRank(a) - platformRank(b));
    try {
      const ps = await listPlatforms(deps.source, digest);
      const out: string[] = [];
      for (const p of ps) {
        const platform = p.platform ?? (await resolveImage(deps.source, p.digest)).platform;
        const s = platformString(platform);
        if (s) out.push(s);
      }
      return out;
    } catch {
      return []; // an unreadable manifest still lists its tag
    }
  };

  return async (app: FastifyInstance) => {
    app.get<{ Params: Static<typeof RepoParams> }>('/repositories/:ns/:name/tags', { schema: { params: RepoParams } }, async (request) => {
      const repository = repositoryFromParams(request.params);
      await requireRepositoryAccess(deps.access, request, repository, 'pull');
      const known = await deps.db.selectFrom('repositories').select('name').where('name', '=', repository).executeTakeFirst();
      if (!known) throw new NotFoundError(`repository ${repository}`);
      const tags = await deps.db
        .selectFrom('tags')
        .select(['name', 'manifest_digest', 'updated_at'])
        .where('repository', '=', repository)
        .orderBy('name')
        .limit(MAX_TAGS)
        .execute();
      const analyses = await deps.sboms.analysesOfMany([...new Set(tags.map((t) => t.manifest_digest))]);
      return Promise.all(
        tags.map(async (t) => {
          const records = analyses.get(t.manifest_digest) ?? [];
          const job = await deps.queue.findByKey(ANALYZE_JOB, t.manifest_digest);
          const vuln = await deps.vulnerabilities?.summaryFor(repository, t.manifest_digest);
          return {
            name: t.name,
            digest: t.manifest_digest,
            pushedAt: t.updated_at,
            platforms: await platformsOf(t.manifest_digest, records),
            analysis: {
              status: aggregateStatus(records, job?.status),
              summary: vuln?.summary ?? ZERO,
              evaluatedAt: vuln?.evaluatedAt ?? null,
            },
          };
        }),
      );
    });

    app.get<{ Params: Static<typeof TagParams>; Querystring: Static<typeof SbomQuery> }>(
      '/repositories/:ns/:name/tags/:tag/sbom',
      { schema: { params: TagParams, querystring: SbomQuery } },
      async (request, reply) => {
        const repository = repositoryFromParams(request.params);
        await requireRepositoryAccess(deps.access, request, repository, 'pull');
        const format = request.query.format ?? 'json';
        if (!isSbomFormat(format)) throw new ValidationError(`format must be one of ${SBOM_FORMATS.join(', ')}`);
        const { sbom } = await resolveAnalyzedImage(deps, repository, request.params.tag, request.query.platform);
        const registry = deps.publicUrl !== undefined ? new URL(deps.publicUrl).host : request.host;
        const doc = renderSbom(sbom, format, { registry });
        return reply.type(CONTENT_TYPES[format]).send(doc);
      },
    );
  };
}
