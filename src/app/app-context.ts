/**
 * The composition root: the only place that picks implementations (FsBlobStore, SQLite metadata)
 * from the typed config and wires services together. Tests pass `overrides` to swap parts.
 */
import { pino, type Logger as PinoLogger } from 'pino';
import type { Config, StorageConfig } from '../config/config.js';
import { redactUrl } from '../config/config.js';
import type { Kysely } from 'kysely';
import { type AccessPolicy } from '../access/access-policy.js';
import { AccountsAccessPolicy } from '../access/accounts-policy.js';
import { LoginThrottle } from '../access/login-throttle.js';
import { RegistryTokenSigner } from '../access/registry-token.js';
import { loadSigningKey } from '../access/signing-key.js';
import { SessionStore } from '../access/sessions.js';
import { AccountsStore } from '../accounts/accounts-store.js';
import { createAnalysisModule, type AnalysisModule } from '../analysis/engine/analysis-module.js';
import { ImageEvaluator } from '../evaluation/image-evaluator.js';
import { BaseImages } from '../recommendations/base-images.js';
import { ImageEvents } from '../evaluation/image-events.js';
import { Reevaluation, REEVALUATE_JOB } from '../evaluation/reevaluation.js';
import { DELIVER_JOB, deliveryHandler } from '../webhooks/webhook-delivery.js';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js';
import { WebhookStore } from '../webhooks/webhook-store.js';
import { feedsFromEnv } from '../vulndb/feeds.js';
import { ScheduledUpdates, VULNDB_UPDATE_JOB } from '../vulndb/scheduled-updates.js';
import { VulnDb } from '../vulndb/vulndb-store.js';
import { KyselyMetadataStore } from '../metadata/kysely/kysely-metadata-store.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { openPostgresDatabase } from '../metadata/postgres/postgres-database.js';
import { openSqliteDatabase } from '../metadata/sqlite/sqlite-metadata-store.js';
import { RegistryEvents } from '../registry/events.js';
import { RepositorySettingsStore } from '../repositories/repository-settings.js';
import { ManifestService } from '../registry/services/manifest-service.js';
import { UploadService } from '../registry/services/upload-service.js';
import { ServerMetrics } from '../server/metrics.js';
import type { BlobStore } from '../storage/blob-store.js';
import { FsBlobStore } from '../storage/fs/fs-blob-store.js';
import { S3BlobStore } from '../storage/s3/s3-blob-store.js';

export interface AppContext {
  readonly config: Config;
  readonly log: PinoLogger;
  readonly blobs: BlobStore;
  /** The metadata database every domain store shares (SQLite embedded; PostgreSQL later). */
  readonly db: Kysely<Database>;
  readonly metadata: MetadataStore;
  /** Who may do what: the accounts policy (tests of unrelated features may pass the open one). */
  readonly access: AccessPolicy;
  readonly accounts: AccountsStore;
  /** The accounts policy itself (also when `access` was overridden), for login and session routes. */
  readonly auth: AccountsAccessPolicy;
  readonly sessions: SessionStore;
  readonly tokenSigner: RegistryTokenSigner;
  readonly settings: RepositorySettingsStore;
  readonly events: RegistryEvents;
  /** Analysis and re-evaluation outcomes (webhooks subscribe). */
  readonly imageEvents: ImageEvents;
  readonly uploads: UploadService;
  readonly manifests: ManifestService;
  readonly metrics: ServerMetrics;
  /** Analysis jobs, SBOM store and the push/settings triggers. */
  readonly analysis: AnalysisModule;
  /** The merged vulnerability database and the per-image evaluations against it. */
  readonly vulndb: VulnDb;
  readonly evaluator: ImageEvaluator;
  readonly baseImages: BaseImages;
  readonly reevaluation: Reevaluation;
  readonly webhooks: WebhookStore;
  readonly webhookDispatcher: WebhookDispatcher;
  readonly vulndbUpdates: ScheduledUpdates;
  close(): Promise<void>;
}

export interface AppOverrides {
  readonly log?: PinoLogger;
  readonly blobs?: BlobStore;
  /** An already migrated database; the context closes it. */
  readonly db?: Kysely<Database>;
  readonly metrics?: ServerMetrics;
  readonly access?: AccessPolicy;
}

/** A configuration this build cannot run (e.g. a driver a later release adds). */
export class StartupError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'StartupError';
  }
}

/** pino with secrets redacted; `destination` 1 = stdout (server), 2 = stderr (CLI tools). */
export function createLogger(level: string, destination: 1 | 2 = 1): PinoLogger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: destination, sync: destination === 2 }),
  );
}

async function openFsStore(root: string): Promise<BlobStore> {
  const fs = new FsBlobStore(root);
  await fs.init();
  return fs;
}

async function openS3Store(storage: Extract<StorageConfig, { driver: 's3' }>): Promise<BlobStore> {
  const store = new S3BlobStore({
    bucket: storage.bucket,
    prefix: storage.prefix,
    ...(storage.endpoint !== undefined ? { endpoint: storage.endpoint } : {}),
    ...(storage.region !== undefined ? { region: storage.region } : {}),
    redirectSeconds: storage.redirectSeconds,
  });
  try {
    await store.init();
  } catch (err: unknown) {
    store.close();
    const reason = err instanceof Error ? err.message : String(err);
    throw new StartupError([`storage: cannot reach bucket "${storage.bucket}"${storage.endpoint ? ` at ${storage.endpoint}` : ''}: ${reason}`]);
  }
  return store;
}

async function connectPostgres(url: string, log: PinoLogger): Promise<Kysely<Database>> {
  try {
    return await openPostgresDatabase(url, { onIdleError: (err) => log.warn({ err: err.message }, 'an idle database connection failed; it will be replaced') });
  } catch (err: unknown) {
    const reason = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    throw new StartupError([`database: cannot connect to ${redactUrl(url)}: ${reason.replaceAll(url, redactUrl(url))}`]);
  }
}

export async function createAppContext(config: Config, overrides: AppOverrides = {}): Promise<AppContext> {
  const log = overrides.log ?? createLogger(config.logLevel);

  let blobs = overrides.blobs;
  if (!blobs) {
    blobs = config.storage.driver === 'fs' ? await openFsStore(config.storage.root) : await openS3Store(config.storage);
  }
  let db = overrides.db;
  if (!db) {
    db = config.database.driver === 'sqlite' ? await openSqliteDatabase(config.database.path) : await connectPostgres(config.database.url, log);
  }
  const database = db;
  const metadata = new KyselyMetadataStore(database);

  const accounts = new AccountsStore(database);
  const sessions = new SessionStore(database);
  let key: Buffer;
  try {
    key = await loadSigningKey(database, config.auth);
  } catch (err: unknown) {
    await database.destroy();
    throw new StartupError([`auth: cannot read or create the token signing key${config.auth.keyFile !== undefined ? ` ${config.auth.keyFile}` : ''}: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const tokenSigner = new RegistryTokenSigner(key, config.auth.tokenLifetimeSeconds);
  const auth = new AccountsAccessPolicy({ accounts, signer: tokenSigner, throttle: new LoginThrottle(), sessions });

  const metrics = overrides.metrics ?? new ServerMetrics();
  const events = new RegistryEvents(log.child({ component: 'events' }));
  const uploads = new UploadService({
    blobs,
    metadata,
    log: log.child({ component: 'uploads' }),
    deleteEnabled: config.registry.deleteEnabled,
    onUploadFinished: (seconds, kind) => metrics.uploadDuration.observe({ kind }, seconds),
  });
  const manifests = new ManifestService({
    blobs,
    metadata,
    events,
    log: log.child({ component: 'manifests' }),
    deleteEnabled: config.registry.deleteEnabled,
    maxManifestBytes: config.registry.maxManifestBytes,
  });
  const settings = new RepositorySettingsStore(database);
  const imageEvents = new ImageEvents(log.child({ component: 'image-events' }));
  const analysis = createAnalysisModule({ config, db: database, blobs, metadata, settings, events, imageEvents, log });
  const vulndb = new VulnDb(database);
  const evaluator = new ImageEvaluator(database, analysis.sboms, vulndb, imageEvents);
  // A finished analysis is evaluated at once for every analyzed repository tagging the image, so
  // timelines start then and re-evaluation knows where the image lives.
  // After a re-catalog (no pushing repository) only advanced repositories follow the new SBOM; basic
  // ones keep their push-time report.
  imageEvents.on('analysisDone', async (e) => {
    for (const repository of await evaluator.repositoriesTagging(e.rootDigest)) {
      const level = (await settings.get(repository)).analysis;
      if (level === 'advanced' || (level === 'basic' && e.repository !== '')) await evaluator.evaluateRoot(repository, e.rootDigest);
    }
  });
  const baseImages = new BaseImages({ db: database, sboms: analysis.sboms, reportFor: (repository, sbom, platform) => evaluator.reportFor(repository, sbom, platform), readConfig: (digest) => blobs.read(digest, { maxBytes: 1 << 20 }) });
  imageEvents.on('analysisDone', (e) => baseImages.indexRoot(e.rootDigest));
  const reevaluation = new Reevaluation({ db: database, queue: analysis.queue, vulndb, sboms: analysis.sboms, settings, evaluator, log: log.child({ component: 'reevaluation' }) });
  const webhooks = new WebhookStore(database);
  const webhookDispatcher = new WebhookDispatcher(webhooks, analysis.queue, log.child({ component: 'webhooks' }), () => analysis.wake());
  webhookDispatcher.attach(events, imageEvents);
  analysis.addWorkerTask({ kind: DELIVER_JOB, handler: deliveryHandler(webhooks) });
  const vulndbUpdates = new ScheduledUpdates({
    db: database,
    vulndb,
    queue: analysis.queue,
    feeds: () => feedsFromEnv(),
    intervalSeconds: config.vulndb.updateIntervalSeconds,
    importDir: config.vulndb.importDir,
    log: log.child({ component: 'vulndb-updates' }),
  });
  analysis.addWorkerTask({ kind: VULNDB_UPDATE_JOB, handler: vulndbUpdates.handler, tick: { everyMs: 10_000, run: async (runner) => void (await vulndbUpdates.check(runner)) } });
  analysis.addWorkerTask({
    kind: REEVALUATE_JOB,
    handler: reevaluation.handler,
    tick: { everyMs: 2_000, run: async (runner) => void (await reevaluation.check(runner)) },
  });
  return {
    config,
    log,
    blobs,
    db: database,
    metadata,
    access: overrides.access ?? auth,
    accounts,
    auth,
    sessions,
    tokenSigner,
    settings,
    analysis,
    vulndb,
    evaluator,
    baseImages,
    reevaluation,
    webhooks,
    webhookDispatcher,
    vulndbUpdates,
    events,
    imageEvents,
    uploads,
    manifests,
    metrics,
    close: () => database.destroy(),
  };
}
