/**
 * The first-layer index on its own: the migration's backfill of analyses that existed before it and
 * re-indexing after a re-catalog (SQLite, and PostgreSQL when installed), and base-package selection
 * by layers versus by package identity.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, startPostgres, type PostgresServer } from '../../test/helpers/postgres.js';
import { SbomStore } from '../analysis/store/sbom-store.js';
import type { Digest } from '../core/digest.js';
import { baseImagesMigration } from '../metadata/kysely/migrations/0016-base-images.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { openPostgresDatabase } from '../metadata/postgres/postgres-database.js';
import { openSqliteDatabase } from '../metadata/sqlite/sqlite-metadata-store.js';
import type { ImageSbom } from '../model/sbom.js';
import type { VulnerabilityReport } from '../reports/vulnerability-report.js';
import { BaseImages, isNewerVersionTag, removalsBySwitch } from './base-images.js';

const d = (n: number): Digest => `sha256:${String(n).padStart(64, '0')}` as Digest;

function sbom(digest: Digest, layers: readonly Digest[]): ImageSbom {
  return {
    image: { digest, platform: { os: 'linux', architecture: 'amd64' }, layers: layers.map((l, index) => ({ digest: l, index })) },
    packages: [],
    analyzedAt: '2026-01-01T00:00:00.000Z',
    tool: { name: 'crowsnest', version: 'test' },
  };
}

let server: PostgresServer | undefined;
const withPostgres = hasPostgres();
beforeAll(async () => {
  if (withPostgres) server = await startPostgres();
}, 60_000);
afterAll(async () => server?.stop());

const backends: [string, () => Promise<Kysely<Database>>][] = [['SQLite', () => openSqliteDatabase(':memory:')]];
if (withPostgres) backends.push(['PostgreSQL', async () => openPostgresDatabase(await (server as PostgresServer).createDatabase())]);

describe.each(backends)('image_first_layers on %s', (_name, open) => {
  it('is backfilled from finished analyses and rewritten after a re-catalog', async () => {
    const db = await open();
    try {
      const store = new SbomStore(db);
      await store.saveResult(d(1), sbom(d(1), [d(10), d(11)]), 'set-1');
      await store.saveResult(d(2), sbom(d(2), [d(10)]), 'set-1');
      await store.setStatus({ manifestDigest: d(3), rootDigest: d(3), platform: 'linux/amd64' }, 'failed', { catalogerSet: 'set-1', reason: 'x' });
      // As if the analyses predate the index.
      await baseImagesMigration.down?.(db as unknown as Kysely<unknown>);
      await baseImagesMigration.up(db as unknown as Kysely<unknown>);
      const rows = await db.selectFrom('image_first_layers').selectAll().orderBy('manifest_digest').execute();
      expect(rows).toEqual([
        { manifest_digest: d(1), platform: 'linux/amd64', first_layer: d(10), layer_count: 2 },
        { manifest_digest: d(2), platform: 'linux/amd64', first_layer: d(10), layer_count: 1 },
      ]);
      await store.saveResult(d(1), sbom(d(1), [d(12), d(13), d(14)]), 'set-2');
      await new BaseImages({ db, sboms: store, reportFor: () => Promise.reject(new Error('unused')) }).indexRoot(d(1));
      expect(await db.selectFrom('image_first_layers').selectAll().where('manifest_digest', '=', d(1)).execute()).toEqual([
        { manifest_digest: d(1), platform: 'linux/amd64', first_layer: d(12), layer_count: 3 },
      ]);
    } finally {
      await db.destroy();
    }
  });

  it('finds the base by layer prefix, and forgets index rows of deleted images', async () => {
    const db = await open();
    try {
      const store = new SbomStore(db);
      const images = new BaseImages({ db, sboms: store, reportFor: () => Promise.reject(new Error('unused')) });
      await store.saveResult(d(1), sbom(d(1), [d(10), d(11), d(12)]), 'set-1');
      await store.saveResult(d(2), sbom(d(2), [d(10)]), 'set-1');
      await store.saveResult(d(3), sbom(d(3), [d(10), d(11)]), 'set-1');
      await store.saveResult(d(4), sbom(d(4), [d(10), d(99)]), 'set-1');
      for (const n of [1, 2, 3, 4]) await images.indexRoot(d(n));
      const now = new Date().toISOString();
      for (const [repo, n, tag] of [['x/app', 1, 'v1'], ['x/base', 2, '1'], ['x/base', 3, '2'], ['x/other', 4, 'v1']] as const) {
        await db.insertInto('manifests').values({ repository: repo, digest: d(n), media_type: 'application/vnd.oci.image.manifest.v1+json', size: 1, artifact_type: null, subject: null, config_digest: null, annotations: null, created_at: now }).execute();
        await db.insertInto('tags').values({ repository: repo, name: tag, manifest_digest: d(n), updated_at: now }).execute();
      }
      const input = { repository: 'x/app', rootDigest: d(1), sbom: sbom(d(1), [d(10), d(11), d(12)]), platform: 'linux/amd64', report: { image: { digest: d(1) }, evaluatedAt: '', db: { version: 1 }, summary: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 }, packages: [] }, canRead: () => Promise.resolve(true) };
      // The two-layer base wins over the one-layer one; x/other shares only the first layer.
      expect(await images.detect(input)).toMatchObject({ repository: 'x/base', tag: '2', digest: d(3), via: 'layers', layerCount: 2, layerPrefix: true });
      expect(await images.detect({ ...input, canRead: (r: string) => Promise.resolve(r !== 'x/base') })).toBeUndefined();
      await store.deleteRoot(d(3));
      expect(await images.detect(input)).toMatchObject({ digest: d(2), layerCount: 1 });
      expect(await db.selectFrom('image_first_layers').select('manifest_digest').where('manifest_digest', '=', d(3)).execute()).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});

describe('isNewerVersionTag', () => {
  it('orders plain version tags numerically and ignores the rest', () => {
    expect(isNewerVersionTag('3.20', '3.19')).toBe(true);
    expect(isNewerVersionTag('3.9', '3.19')).toBe(false);
    expect(isNewerVersionTag('v2', 'v1.9.9')).toBe(true);
    expect(isNewerVersionTag('3.19', '3.19')).toBe(false);
    expect(isNewerVersionTag('latest', '3.19')).toBe(false);
    expect(isNewerVersionTag('3.20-slim', '3.19')).toBe(false);
  });
});

describe('removalsBySwitch', () => {
  const pkg = (name: string, layerIndex: number, ids: [string, 'critical' | 'high' | 'low'][]) => ({
    purl: `pkg:deb/debian/${name}@1`,
    name,
    version: '1',
    type: 'deb' as const,
    locations: [{ path: '/var/lib/dpkg/status', layerIndex }],
    vulnerabilities: ids.map(([id, severity]) => ({ id, aliases: [], severity, status: 'fixed' as const, fixedVersions: [], source: 'osv', url: '' })),
  });
  const report = (packages: ReturnType<typeof pkg>[]): VulnerabilityReport => ({
    image: { digest: d(1) },
    evaluatedAt: '',
    db: { version: 1 },
    summary: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 },
    packages,
  });

  it('counts only base-package findings the candidate lacks', () => {
    const image = report([pkg('openssl', 0, [['CVE-1', 'critical'], ['CVE-2', 'high']]), pkg('app', 1, [['CVE-3', 'low']])]);
    const candidate = report([pkg('openssl', 0, [['CVE-2', 'high']])]);
    expect(removalsBySwitch(image, { layers: 1 }, candidate)).toEqual({ critical: 1, high: 0, medium: 0, low: 0, unknown: 0, total: 1 });
    // Without a layer boundary the app package would count too; by identity it does not.
    expect(removalsBySwitch(image, { layers: 2 }, candidate).total).toBe(2);
    expect(removalsBySwitch(image, { purls: new Set(['pkg:deb/debian/openssl@1']) }, candidate).total).toBe(1);
  });
});
