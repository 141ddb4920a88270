/**
 * Analysis as a job: the push trigger (manifestPushed on a repository whose analysis level is
 * basic/advanced enqueues one job per manifest digest), turning analysis on (enqueues every tagged
 * image), and the job handler that analyzes each platform (linux/amd64 first; non-Linux →
 * unsupported) and stores the SBOM. Deterministic failures (limits, corrupt layers) are recorded as
 * status failed and not retried; infrastructure errors are retried by the queue.
 */
import { ManifestInvalidError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { listPlatforms, type BlobSource } from '../../image/image-reader.js';
import type { JobQueue } from '../../jobs/job-queue.js';
import type { JobContext, JobHandler } from '../../jobs/job-runner.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { AnalysisDoneEvent, ImageEvents } from '../../evaluation/image-events.js';
import type { RegistryEvents } from '../../registry/events.js';
import type { AnalysisLevelChange, RepositorySettingsStore } from '../../repositories/repository-settings.js';
import { platformString, type SbomStore } from '../store/sbom-store.js';
import { AnalysisFailure, analyzeImage, type AnalysisLimits } from './analyzer.js';
import type { CatalogerSet } from './cataloger-set.js';
import { inputFromSource } from './image-inputs.js';
import type { LayerCache } from './layer-cache.js';

export const ANALYZE_JOB = 'analyze-image';

export interface AnalyzeJobPayload {
  readonly repository: string;
  readonly digest: string;
  readonly tag?: string;
}

export interface AnalysisServiceDeps {
  readonly queue: JobQueue;
  readonly store: SbomStore;
  readonly settings: RepositorySettingsStore;
  readonly metadata: MetadataStore;
  readonly source: BlobSource;
  readonly set: CatalogerSet;
  readonly limits: AnalysisLimits;
  readonly cache: LayerCache;
  readonly log: Logger;
  /** Receives `analysisDone` after each analyze job (webhooks subscribe). */
  readonly imageEvents?: ImageEvents;
  readonly workDir?: string;
  /** Whether any repository still holds a manifest with this digest (analyses are kept while one does). */
  readonly isManifestStored: (digest: string) => Promise<boolean>;
  /** Called after an in-process enqueue so a local runner starts at once. */
  readonly onEnqueued?: () => void;
}

function isPayload(v: unknown): v is AnalyzeJobPayload {
  const o = v as Partial<AnalyzeJobPayload> | null;
  return typeof o?.repository === 'string' && typeof o.digest === 'string';
}

export class AnalysisService {
  constructor(private readonly deps: AnalysisServiceDeps) {}

  /** Subscribes the push and settings triggers. */
  attach(events: RegistryEvents): void {
    events.on('manifestPushed', async (e) => {
      // Untagged pushes are mostly an index's children (pushed by digest first); they are analyzed
      // through the tagged index, so one job covers every platform and rows keep the index as root.
      if (e.tag === undefined) return;
      if ((await this.deps.settings.get(e.repo)).analysis === 'none') return;
      await this.enqueue({ repository: e.repo, digest: e.digest, tag: e.tag });
    });
    this.deps.settings.onAnalysisChanged((c) => this.onLevelChanged(c));
    // Deleted images must drop out of "which images contain package X" (re-evaluation reads it).
    events.on('manifestDeleted', async (e) => {
      if (await this.deps.isManifestStored(e.digest)) return;
      const removed = await this.deps.store.deleteRoot(e.digest);
      if (removed > 0) this.deps.log.info({ digest: e.digest, analyses: removed }, 'analyses of a deleted image removed');
    });
  }

  async enqueue(payload: AnalyzeJobPayload, opts: { force?: boolean } = {}): Promise<void> {
    if (!opts.force) {
      const existing = await this.deps.store.analysesOf(payload.digest);
      const current = existing.length > 0 && existing.every((a) => a.catalogerSet === this.deps.set.version && (a.status === 'done' || a.status === 'unsupported'));
      if (current) return;
    }
    const { created } = await this.deps.queue.enqueue(ANALYZE_JOB, payload, { key: payload.digest });
    if (created) this.deps.log.info({ repository: payload.repository, digest: payload.digest }, 'analysis queued');
    this.deps.onEnqueued?.();
  }

  /**
   * After an upgrade that changed a cataloger (or OS detection), images analyzed by the old set are
   * re-cataloged at low priority, behind fresh pushes. Returns how many were enqueued.
   */
  async requeueStale(): Promise<number> {
    const roots = await this.deps.store.staleRoots(this.deps.set.version);
    for (const digest of roots) await this.deps.queue.enqueue(ANALYZE_JOB, { repository: '', digest }, { key: digest, priority: 10 });
    if (roots.length > 0) this.deps.log.info({ images: roots.length }, 're-cataloging images analyzed by an older cataloger set');
    return roots.length;
  }

  /** none → basic/advanced analyzes every tagged image of the repository. */
  async onLevelChanged(c: AnalysisLevelChange): Promise<void> {
    if (c.from !== 'none' || c.to === 'none') return;
    let after: string | undefined;
    for (;;) {
      const tags = await this.deps.metadata.manifests.listTags(c.repository, { ...(after !== undefined ? { after } : {}), limit: 500 });
      for (const tag of tags) {
        const digest = await this.deps.metadata.manifests.resolveTag(c.repository, tag);
        if (digest) await this.enqueue({ repository: c.repository, digest, tag });
      }
      if (tags.length < 500) break;
      after = tags[tags.length - 1];
    }
  }

  readonly handler: JobHandler = async (payload: unknown, ctx: JobContext): Promise<void> => {
    if (!isPayload(payload)) throw new Error('analyze job without repository/digest');
    const { store, set, source } = this.deps;
    const platforms = await listPlatforms(source, payload.digest);
    const outcomes: AnalysisDoneEvent['platforms'][number][] = [];
    for (const pm of platforms) {
      const image = { manifestDigest: pm.digest, rootDigest: payload.digest, platform: platformString(pm.platform) };
      if (!pm.supported) {
        const reason = `platform ${image.platform} is not Linux`;
        await store.setStatus(image, 'unsupported', { catalogerSet: set.version, reason });
        outcomes.push({ platform: image.platform, manifestDigest: pm.digest, status: 'unsupported', reason });
        continue;
      }
      let input;
      try {
        input = await inputFromSource(source, pm, { repository: payload.repository, ...(payload.tag !== undefined ? { tag: payload.tag } : {}) });
      } catch (err: unknown) {
        const reason = `unreadable image: ${err instanceof Error ? err.message : String(err)}`;
        await store.setStatus(image, 'failed', { catalogerSet: set.version, reason });
        if (err instanceof ManifestInvalidError) {
          outcomes.push({ platform: image.platform, manifestDigest: pm.digest, status: 'failed', reason });
          continue;
        }
        throw err;
      }
      // A single manifest's platform is only known from its config.
      const image2 = { ...image, platform: platformString(input.platform) };
      await store.setStatus(image2, 'running', { catalogerSet: set.version });
      try {
        const started = Date.now();
        const out = await analyzeImage(input, {
          set,
          limits: this.deps.limits,
          cache: this.deps.cache,
          signal: ctx.signal,
          log: this.deps.log,
          ...(this.deps.workDir !== undefined ? { workDir: this.deps.workDir } : {}),
        });
        await store.saveResult(payload.digest, out.sbom, set.version);
        outcomes.push({ platform: image2.platform, manifestDigest: pm.digest, status: 'done', packages: out.sbom.packages.length });
        this.deps.log.info(
          { digest: pm.digest, platform: image2.platform, packages: out.sbom.packages.length, cachedLayers: out.cachedLayers, ms: Date.now() - started, issues: out.issues.length },
          'analysis done',
        );
      } catch (err: unknown) {
        const reason = err instanceof AnalysisFailure ? err.reason : err instanceof Error ? err.message : String(err);
        await store.setStatus(image2, 'failed', { catalogerSet: set.version, reason });
        this.deps.log.warn({ digest: pm.digest, reason }, 'analysis failed');
        outcomes.push({ platform: image2.platform, manifestDigest: pm.digest, status: 'failed', reason });
        // Limits and corrupt input fail the same way every time; anything else is worth a retry.
        if (!(err instanceof AnalysisFailure) || ctx.signal.aborted) throw err;
      }
    }
    // Re-catalog jobs after an upgrade carry no repository ('') : subscribers re-evaluate, webhooks stay quiet.
    this.deps.imageEvents?.emit('analysisDone', {
      repository: payload.repository,
      rootDigest: payload.digest,
      ...(payload.tag !== undefined ? { tag: payload.tag } : {}),
      platforms: outcomes,
    });
  };
}
