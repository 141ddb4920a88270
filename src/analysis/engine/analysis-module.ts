/**
 * Builds the analysis domain from the app's parts (one call in app-context.ts): the job queue on
 * the shared database, the SBOM store, the layer cache under the data directory, the analysis
 * service (subscribed to pushes and settings changes) and, for processes that run workers, the
 * JobRunner. `serve --no-workers` enqueues only; `worker` only runs jobs.
 */
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../../config/config.js';
import type { Logger } from '../../core/log.js';
import { KyselyJobQueue } from '../../jobs/kysely-job-queue.js';
import type { JobQueue } from '../../jobs/job-queue.js';
import { JobRunner, type JobHandler } from '../../jobs/job-runner.js';
import type { Database } from '../../metadata/kysely/schema/index.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { ImageEvents } from '../../evaluation/image-events.js';
import type { RegistryEvents } from '../../registry/events.js';
import type { RepositorySettingsStore } from '../../repositories/repository-settings.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { SbomStore } from '../store/sbom-store.js';
import { ANALYZE_JOB, AnalysisService } from './analysis-service.js';
import { defaultAnalysisLimits, type AnalysisLimits } from './analyzer.js';
import { defaultCatalogerSet, type CatalogerSet } from './cataloger-set.js';
import { blobStoreSource } from './image-inputs.js';
import { FsLayerCache } from './layer-cache.js';

export interface AnalysisModule {
  readonly queue: JobQueue;
  readonly sboms: SbomStore;
  readonly service: AnalysisService;
  readonly set: CatalogerSet;
  /**
   * Adds a job kind (and optionally a periodic check that feeds it) to what startWorkers() runs, so
   * other domains (re-evaluation, webhooks) share this process's runner. Call before startWorkers().
   */
  addWorkerTask(task: WorkerTask): void;
  /** Starts the job handlers in this process; stop() is graceful (SIGTERM). */
  startWorkers(): JobRunner;
  /** Lets this process's runner (if started) claim newly enqueued work now instead of at its next poll. */
  wake(): void;
}

export interface WorkerTask {
  readonly kind: string;
  readonly handler: JobHandler;
  /** Called every `everyMs` while the workers run (errors are logged). */
  readonly tick?: { readonly everyMs: number; run(runner: JobRunner): Promise<void> };
}

export function analysisLimitsFrom(config: Config): AnalysisLimits {
  return { ...defaultAnalysisLimits, maxTotalBytes: config.analysis.maxImageBytes, timeBudgetMs: config.analysis.timeBudgetSeconds * 1000 };
}

export function createAnalysisModule(parts: {
  config: Config;
  db: Kysely<Database>;
  blobs: BlobStore;
  metadata: MetadataStore;
  settings: RepositorySettingsStore;
  events: RegistryEvents;
  imageEvents?: ImageEvents;
  log: Logger;
}): AnalysisModule {
  const queue = new KyselyJobQueue(parts.db);
  const sboms = new SbomStore(parts.db);
  const set = defaultCatalogerSet();
  let runner: JobRunner | undefined;
  const tasks: WorkerTask[] = [];
  const service = new AnalysisService({
    queue,
    store: sboms,
    settings: parts.settings,
    metadata: parts.metadata,
    source: blobStoreSource(parts.blobs),
    set,
    limits: analysisLimitsFrom(parts.config),
    cache: new FsLayerCache(join(parts.config.dataDir, 'layer-cache'), parts.config.analysis.layerCacheBytes),
    log: parts.log.child({ component: 'analysis' }),
    // Runs only on manifest deletion (rare); manifests has no digest-only index, so this scans.
    isManifestStored: async (digest) =>
      (await parts.db.selectFrom('manifests').select('digest').where('digest', '=', digest).limit(1).executeTakeFirst()) !== undefined,
    onEnqueued: () => runner?.wake(),
    ...(parts.imageEvents !== undefined ? { imageEvents: parts.imageEvents } : {}),
  });
  service.attach(parts.events);
  return {
    queue,
    sboms,
    service,
    set,
    wake: () => runner?.wake(),
    addWorkerTask: (task) => {
      tasks.push(task);
    },
    startWorkers: () => {
      if (runner) return runner;
      runner = new JobRunner({
        queue,
        handlers: { [ANALYZE_JOB]: service.handler, ...Object.fromEntries(tasks.map((t) => [t.kind, t.handler])) },
        log: parts.log.child({ component: 'jobs' }),
        concurrency: parts.config.analysis.concurrency,
        leaseMs: 60_000,
        pollMs: 1_000,
        graceMs: 10_000,
      });
      runner.start();
      const started = runner;
      for (const task of tasks) {
        const tick = task.tick;
        if (!tick) continue;
        const timer = setInterval(() => {
          tick.run(started).catch((err: unknown) => parts.log.error({ err, task: task.kind }, 'worker task check failed'));
        }, tick.everyMs);
        timer.unref();
        started.onStop(() => clearInterval(timer));
      }
      void service.requeueStale().then(
        (n) => n > 0 && runner?.wake(),
        (err: unknown) => parts.log.error({ err }, 'could not re-queue stale analyses'),
      );
      return runner;
    },
  };
}
