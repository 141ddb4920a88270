/** SbomStore round trip, dedupe of shared packages, statuses and the indexed "images with package" query. */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import { digestOf } from '../../core/digest.js';
import type { Database } from '../../metadata/kysely/schema/index.js';
import { openSqliteDatabase } from '../../metadata/sqlite/sqlite-metadata-store.js';
import type { Package } from '../../model/package.js';
import type { ImageSbom } from '../../model/sbom.js';
import { SbomStore } from './sbom-store.js';

let db: Kysely<Database>;
beforeEach(async () => {
  db = await openSqliteDatabase(':memory:');
});
afterEach(async () => {
  await db.destroy();
});

const layer0 = digestOf('layer0');
const layer1 = digestOf('layer1');

function pkg(name: string, version: string, layerIndex: number): Package {
  return {
    name,
    version,
    type: 'deb',
    purl: `pkg:deb/debian/${name}@${version}?distro=debian-12`,
    ecosystem: 'Debian:12',
    source: { name: `${name}-src`, version },
    licenses: ['MIT'],
    locations: [{ path: '/var/lib/dpkg/status', layerDigest: layerIndex === 0 ? layer0 : layer1, layerIndex, createdBy: `step ${layerIndex}` }],
    foundBy: 'dpkg-status',
    metadata: { arch: 'amd64' },
  };
}

function sbom(digest: Digest, packages: Package[]): ImageSbom {
  return {
    image: {
      digest,
      platform: { os: 'linux', architecture: 'amd64' },
      configDigest: digestOf('cfg'),
      layers: [
        { digest: layer0, index: 0, createdBy: 'step 0' },
        { digest: layer1, index: 1, createdBy: 'step 1' },
      ],
    },
    distro: { id: 'debian', versionId: '12', ecosystem: 'Debian:12' },
    packages,
    analyzedAt: '2026-01-01T00:00:00.000Z',
    tool: { name: 'crowsnest', version: '0.1.0' },
  };
}

describe('SbomStore', () => {
  it('stores an SBOM and loads it back equal, sharing package rows across images', async () => {
    const store = new SbomStore(db);
    const a = digestOf('image-a');
    const b = digestOf('image-b');
    const pa = [pkg('libc6', '2.36-9', 0), pkg('zlib1g', '1:1.2.13', 1)];
    await store.saveResult(a, sbom(a, pa), 'set1');
    await store.saveResult(b, sbom(b, [pkg('libc6', '2.36-9', 0)]), 'set1');
    const loaded = await store.load(a, 'linux/amd64');
    expect(loaded?.packages).toEqual(pa);
    expect(loaded?.image.layers[1]?.createdBy).toBe('step 1');
    expect(loaded?.distro?.ecosystem).toBe('Debian:12');
    const count = await db.selectFrom('packages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2);
    const hits = await store.imagesWithPackage('Debian:12', 'libc6');
    expect(hits.map((h) => h.manifestDigest).sort()).toEqual([a, b].sort());
    expect(await store.imagesWithPackage('Debian:12', 'nope')).toEqual([]);
    // Re-saving replaces the links instead of duplicating them.
    await store.saveResult(a, sbom(a, [pa[0] as Package]), 'set1');
    expect((await store.load(a, 'linux/amd64'))?.packages).toHaveLength(1);
  });

  it('tracks statuses per platform and answers undefined for unfinished analyses', async () => {
    const store = new SbomStore(db);
    const root = digestOf('index');
    const child = digestOf('child');
    await store.setStatus({ manifestDigest: child, rootDigest: root, platform: 'linux/amd64' }, 'queued', { catalogerSet: 's' });
    await store.setStatus({ manifestDigest: digestOf('win'), rootDigest: root, platform: 'windows/amd64' }, 'unsupported', { catalogerSet: 's', reason: 'not linux' });
    expect(await store.load(child, 'linux/amd64')).toBeUndefined();
    await store.setStatus({ manifestDigest: child, rootDigest: root, platform: 'linux/amd64' }, 'failed', { catalogerSet: 's', reason: 'total-bytes: too big' });
    const all = await store.analysesOf(root);
    expect(all.map((r) => [r.platform, r.status, r.reason])).toEqual([
      ['linux/amd64', 'failed', 'total-bytes: too big'],
      ['windows/amd64', 'unsupported', 'not linux'],
    ]);
  });

  it('answers the package query from the packages(ecosystem, name) index', async () => {
    const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN SELECT id FROM packages WHERE ecosystem = 'npm' AND name = 'x'`.execute(db);
    expect(plan.rows.map((r) => r.detail).join(' ')).toContain('packages_ecosystem_name');
  });
});
