/**
 * Test wiring: a full app context over a temp-dir FsBlobStore and in-memory SQLite, plus the
 * Fastify server for `inject()` tests. Reuses the real composition root with overrides.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AccessPolicy } from '../../access/access-policy.js';
import { pino } from 'pino';
import { toConfig, type Config } from '../../config/config.js';
import type { RawSettings } from '../../config/env.js';
import type { RegistryGuard } from '../../registry/registry-plugin.js';
import { openSqliteDatabase } from '../../metadata/sqlite/sqlite-metadata-store.js';
import { ServerMetrics } from '../../server/metrics.js';
import { buildServer } from '../../server/http-server.js';
import { FsBlobStore } from '../../storage/fs/fs-blob-store.js';
import { ensureFirstAdmin } from '../../accounts/first-admin.js';
import { createAppContext, type AppContext } from '../app-context.js';
import { serverDepsFor } from '../server-deps.js';

/** The site admin every test app has (created like on a first start with CROWSNEST_ADMIN_PASSWORD). */
export const TEST_ADMIN_PASSWORD = 'test-admin-password';
export const TEST_ADMIN_AUTH = `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}`;

export interface TestApp {
  readonly app: FastifyInstance;
  readonly ctx: AppContext;
  readonly dir: string;
  close(): Promise<void>;
}

export async function createTestApp(settings: RawSettings = {}, opts: { guards?: readonly RegistryGuard[]; access?: AccessPolicy; /** Share one SQLite file between apps, like processes of one installation. */ sqliteFile?: string } = {}): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'crowsnest-app-'));
  // No feed downloads from tests unless a test asks for them.
  const result = toConfig({ data: dir, logLevel: 'silent', vulndbUpdateInterval: 'off', ...settings });
  if (!result.ok) throw new Error(result.problems.join('; '));
  const config: Config = result.config;
  const blobs = new FsBlobStore(join(dir, 'blobs'));
  await blobs.init();
  const db = await openSqliteDatabase(opts.sqliteFile ?? ':memory:');
  const ctx = await createAppContext(config, {
    blobs,
    db,
    log: pino({ level: 'silent' }),
    metrics: new ServerMetrics({ defaultMetrics: false }),
    ...(opts.access ? { access: opts.access } : {}),
  });
  await ensureFirstAdmin(ctx.accounts, TEST_ADMIN_PASSWORD);
  const app = await buildServer(serverDepsFor(ctx, opts.guards ? { registryGuards: opts.guards } : {}));
  await app.ready();
  return {
    app,
    ctx,
    dir,
    close: async () => {
      await app.close();
      await ctx.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
