/**
 * Resolves `repository:tag[?platform]` to the analysis that answers it: the tag's digest, its
 * platform images (linux/amd64 first) and the chosen one's SBOM. Every "per tag" document (SBOM,
 * vulnerabilities) goes through here, so they agree on the errors: 404 for an unknown tag or an
 * image that was never analyzed (or failed / is unsupported, with the reason), 409 while queued
 * or running.
 */
import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { JobQueue } from '../../jobs/job-queue.js';
import type { Database } from '../../metadata/kysely/schema/index.js';
import type { ImageSbom } from '../../model/sbom.js';
import { ANALYZE_JOB } from '../engine/analysis-service.js';
import type { AnalysisRecord, SbomStore } from '../store/sbom-store.js';

/** linux/amd64 first, other Linux platforms next, the rest last. */
export function platformRank(platform: string): number {
  return platform === 'linux/amd64' ? 0 : platform.startsWith('linux/') ? 1 : 2;
}

/** The analysis shown by default for a pushed digest: a finished one on the best-ranked platform. */
export function defaultAnalysis(records: readonly AnalysisRecord[], platform?: string): AnalysisRecord | undefined {
  const candidates = records.filter((r) => platform === undefined || r.platform === platform).sort((a, b) => platformRank(a.platform) - platformRank(b.platform));
  return candidates.find((r) => r.status === 'done') ?? candidates[0];
}

export interface AnalyzedImageDeps {
  readonly db: Kysely<Database>;
  readonly sboms: SbomStore;
  readonly queue: JobQueue;
}

export interface AnalyzedImage {
  readonly rootDigest: string;
  readonly record: AnalysisRecord;
  readonly sbom: ImageSbom;
}

export async function resolveAnalyzedImage(deps: AnalyzedImageDeps, repository: string, tag: string, platform?: string): Promise<AnalyzedImage> {
  const row = await deps.db
    .selectFrom('tags')
    .select('manifest_digest')
    .where('repository', '=', repository)
    .where('name', '=', tag)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`tag ${repository}:${tag}`);
  const records = await deps.sboms.analysesOf(row.manifest_digest);
  const chosen = defaultAnalysis(records, platform);
  const what = `${repository}:${tag}${platform !== undefined ? ` (${platform})` : ''}`;
  if (!chosen || chosen.status === 'queued' || chosen.status === 'running') {
    const job = await deps.queue.findByKey(ANALYZE_JOB, row.manifest_digest);
    if (job?.status === 'queued' || job?.status === 'running' || chosen) {
      throw new ConflictError(`analysis of ${what} is ${chosen?.status ?? job?.status ?? 'queued'}; retry later`);
    }
    throw new NotFoundError(`${what}: image not analyzed`);
  }
  if (chosen.status !== 'done') throw new NotFoundError(`${what}: analysis ${chosen.status}${chosen.reason ? `: ${chosen.reason}` : ''}`);
  const sbom = await deps.sboms.load(chosen.manifestDigest, chosen.platform);
  if (!sbom) throw new NotFoundError(`SBOM of ${what}`);
  return { rootDigest: row.manifest_digest, record: chosen, sbom: { ...sbom, image: { ...sbom.image, repository, tag } } };
}
