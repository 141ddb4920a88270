/** The analyzer over OCI layouts: layer attribution with createdBy, multi-writer evidence, the layer cache, limits, and the job handler's statuses. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listPlatforms, ociLayoutSource } from '../../image/image-reader.js';
import type { Package } from '../../model/package.js';
import type { Cataloger } from '../cataloger.js';
import { buildImage, buildIndex, buildLayer, writeOciLayout, type BuiltImage } from '../../../test/helpers/image-builder.js';
import { AnalysisFailure, analyzeImage, defaultAnalysisLimits } from './analyzer.js';
import { catalogerSetVersion, defaultCatalogerSet, type CatalogerSet } from './cataloger-set.js';
import { inputFromSource } from './image-inputs.js';
import { FsLayerCache } from './layer-cache.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'analyzer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A cataloger over one list file, like dpkg status: every layer that installs rewrites it. */
const listCataloger: Cataloger = {
  name: 'test-list',
  version: 1,
  maxFileBytes: 1024,
  selects: (e) => e.path === '/var/lib/test/list',
  async catalog(ctx) {
    const f = ctx.fs.get('/var/lib/test/list');
    if (!f) return { packages: [] };
    const packages: Package[] = (await f.text())
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name = '', version = ''] = line.split(' ');
        return { name, version, type: 'apk', purl: `pkg:apk/test/${name}@${version}`, licenses: [], locations: [{ path: f.path }], foundBy: 'test-list' };
      });
    return { packages };
  },
};

function testSet(): CatalogerSet {
  const base = defaultCatalogerSet();
  const catalogers = [...base.catalogers, listCataloger];
  return { ...base, catalogers, version: catalogerSetVersion(catalogers, 'none') };
}

async function layout(image: BuiltImage, name = 'img'): Promise<string> {
  const d = join(dir, name);
  writeOciLayout(d, image.manifest, [image.config, ...image.layers]);
  return d;
}

async function threeLayerImage(): Promise<BuiltImage> {
  const pkgJson = (n: string, v: string) => JSON.stringify({ name: n, version: v });
  return buildImage({
    layers: [
      await buildLayer({ 'var/lib/test/list': 'base 1.0\n', 'etc/hostname': 'x' }),
      await buildLayer({ 'var/lib/test/list': 'base 1.0\ncurl 8.0\n', 'app/node_modules/left-pad/package.json': pkgJson('left-pad', '1.3.0') }),
      await buildLayer({ 'app/node_modules/lodash/package.json': pkgJson('lodash', '4.17.21') }),
    ],
    history: [
      { created_by: 'ADD rootfs.tar /' },
      { created_by: 'ENV X=1', empty_layer: true },
      { created_by: 'RUN install curl' },
      { created_by: 'COPY node_modules /app/node_modules' },
    ],
  });
}

describe('analyzeImage', () => {
  it('attributes packages to their introducing layer with created_by, and reuses the layer cache', async () => {
    const image = await threeLayerImage();
    const src = ociLayoutSource(await layout(image));
    const [pm] = await listPlatforms(src, image.manifest.digest);
    const input = await inputFromSource(src, pm ?? { digest: image.manifest.digest, platform: undefined, supported: true });
    const cache = new FsLayerCache(join(dir, 'cache'), 1024 ** 3);
    const set = testSet();
    const first = await analyzeImage(input, { set, cache });
    const by = new Map(first.sbom.packages.map((p) => [p.name, p.locations[0]]));
    expect(by.get('base')).toMatchObject({ layerIndex: 0, layerDigest: image.layers[0]?.digest, createdBy: 'ADD rootfs.tar /' });
    expect(by.get('curl')).toMatchObject({ layerIndex: 1, layerDigest: image.layers[1]?.digest, createdBy: 'RUN install curl' });
    expect(by.get('left-pad')).toMatchObject({ layerIndex: 1, createdBy: 'RUN install curl' });
    expect(by.get('lodash')).toMatchObject({ layerIndex: 2, layerDigest: image.layers[2]?.digest, createdBy: 'COPY node_modules /app/node_modules' });
    expect(first.cachedLayers).toBe(0);
    expect(readdirSync(join(dir, 'cache')).filter((n) => n.endsWith('.layer'))).toHaveLength(3);
    const second = await analyzeImage(input, { set, cache });
    expect(second.cachedLayers).toBe(3);
    expect(second.sbom.packages).toEqual(first.sbom.packages);
  });

  it('reads a base layer shared by two images only once', async () => {
    const base = await buildLayer({ 'var/lib/test/list': 'base 1.0\n' });
    const a = buildImage({ layers: [base, await buildLayer({ 'a.txt': 'a' })] });
    const b = buildImage({ layers: [base, await buildLayer({ 'b.txt': 'b' })] });
    const cache = new FsLayerCache(join(dir, 'cache'), 1024 ** 3);
    const set = testSet();
    const run = async (img: BuiltImage, name: string) => {
      const src = ociLayoutSource(await layout(img, name));
      return analyzeImage(await inputFromSource(src, { digest: img.manifest.digest, platform: undefined, supported: true }), { set, cache });
    };
    expect((await run(a, 'a')).cachedLayers).toBe(0);
    const second = await run(b, 'b');
    expect(second.cachedLayers).toBe(1);
    expect(second.sbom.packages.find((p) => p.name === 'base')?.locations[0]?.layerDigest).toBe(b.layers[0]?.digest);
  });

  it('spills selected bodies to disk once the in-memory budget is used, with the same result', async () => {
    // 160 selected 1 MiB files: more than the 128 MiB kept in memory per image.
    const spec: Record<string, Uint8Array | string> = {};
    for (let i = 0; i < 160; i++) spec[`app/node_modules/p${i}/package.json`] = JSON.stringify({ name: `p${i}`, version: '1.0.0', pad: 'x'.repeat(1024 * 1024 - 200) });
    const image = buildImage({ layers: [await buildLayer(spec)] });
    const src = ociLayoutSource(await layout(image));
    const input = await inputFromSource(src, { digest: image.manifest.digest, platform: undefined, supported: true });
    const out = await analyzeImage(input, { set: testSet() });
    expect(out.sbom.packages.filter((p) => p.type === 'npm')).toHaveLength(160);
  });

  it('fails with a clear reason when the uncompressed size limit is exceeded', async () => {
    const image = buildImage({ layers: [await buildLayer({ 'big.bin': new Uint8Array(2 * 1024 * 1024) })] });
    const src = ociLayoutSource(await layout(image));
    const input = await inputFromSource(src, { digest: image.manifest.digest, platform: undefined, supported: true });
    const err = await analyzeImage(input, { set: testSet(), limits: { ...defaultAnalysisLimits, maxTotalBytes: 1024 * 1024 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnalysisFailure);
    expect((err as AnalysisFailure).reason).toMatch(/layer 0 .*total-bytes/);
  });

  it('fails with a time-budget reason when a layer stalls', async () => {
    const stalled = new PassThrough();
    stalled.write(Buffer.alloc(512)); // some bytes, then nothing more ever arrives
    const input = { manifestDigest: 'sha256:' + 'a'.repeat(64), env: {}, layers: [{ index: 0, digest: 'sha256:' + 'b'.repeat(64) }], openLayer: () => Promise.resolve(stalled) };
    const err = await analyzeImage(input, { set: testSet(), limits: { ...defaultAnalysisLimits, timeBudgetMs: 100 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnalysisFailure);
    expect((err as AnalysisFailure).reason).toMatch(/time-budget: exceeded 100 ms/);
  });

  it('lists index platforms linux/amd64 first and flags non-Linux ones unsupported', async () => {
    const amd = buildImage({ layers: [await buildLayer({ a: 'a' })] });
    const win = buildImage({ layers: [await buildLayer({ b: 'b' })], os: 'windows' });
    const arm = buildImage({ layers: [await buildLayer({ c: 'c' })], architecture: 'arm64' });
    const index = buildIndex([
      { image: win, os: 'windows', architecture: 'amd64' },
      { image: arm, os: 'linux', architecture: 'arm64' },
      { image: amd, os: 'linux', architecture: 'amd64' },
    ]);
    const d = join(dir, 'idx');
    writeOciLayout(d, index, [amd, win, arm].flatMap((i) => [i.manifest, i.config, ...i.layers]), 'latest', 'application/vnd.oci.image.index.v1+json');
    const ps = await listPlatforms(ociLayoutSource(d), index.digest);
    expect(ps.map((p) => [`${p.platform?.os}/${p.platform?.architecture}`, p.supported])).toEqual([
      ['linux/amd64', true],
      ['linux/arm64', true],
      ['windows/amd64', false],
    ]);
  });

  it('keys the cataloger set version on names and versions', () => {
    const a = catalogerSetVersion([listCataloger], 'none');
    expect(catalogerSetVersion([{ ...listCataloger, version: 2 }], 'none')).not.toBe(a);
    expect(catalogerSetVersion([listCataloger], 'none')).toBe(a);
  });
});
