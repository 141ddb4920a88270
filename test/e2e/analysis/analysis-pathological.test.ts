/**
 * Hostile layers pushed to the real server process (with a small per-image byte limit): a gzip bomb,
 * `../` paths, absolute symlinks, 100k tiny files and a truncated layer each end in a clear failed
 * status or a (confined) result, and the server keeps serving and analyzing afterwards.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildLayer, buildTar, type BuiltImage } from '../../helpers/image-builder.js';
import { adminFetch, canStartRegistry, startRegistry, type RegistryProcess } from '../../helpers/registry-process.js';
import { waitForAnalysis } from '../../helpers/analysis.js';

const enabled = canStartRegistry('crowsnest');
const REPO = 'e2e/hostile';

interface SbomDoc {
  packages: { name: string; version: string; locations: { path: string; layerIndex?: number }[] }[];
}

describe.skipIf(!enabled)('pathological layers (server process)', () => {
  let reg: RegistryProcess;

  async function pushBlob(bytes: Buffer): Promise<void> {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const res = await adminFetch(`${reg.url}/v2/${REPO}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(res.status).toBe(201);
  }

  async function push(tag: string, image: BuiltImage): Promise<void> {
    for (const b of [image.config, ...image.layers]) await pushBlob(b.bytes);
    const res = await adminFetch(`${reg.url}/v2/${REPO}/manifests/${tag}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: image.manifest.bytes,
    });
    expect(res.status).toBe(201);
  }

  async function reasonOf(tag: string): Promise<string> {
    const res = await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/tags/${tag}/sbom`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    return ((await res.json()) as { detail: string }).detail;
  }

  async function sbomOf(tag: string): Promise<SbomDoc> {
    const res = await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/tags/${tag}/sbom`);
    expect(res.status).toBe(200);
    return (await res.json()) as SbomDoc;
  }

  const pkgJson = (name: string) => JSON.stringify({ name, version: '1.0.0' });

  beforeAll(async () => {
    reg = await startRegistry({ env: { CROWSNEST_LOG_LEVEL: 'warn', CROWSNEST_ANALYSIS_MAX_BYTES: '64m' } });
    const put = await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ analysis: 'basic' }),
    });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('a gzip bomb ends in failed with the byte-limit reason', async () => {
    // ~100 MiB of zeros in one entry compress to about 100 KiB.
    const bomb = gzipSync(await buildTar({ 'zeros.bin': Buffer.alloc(100 * 1024 * 1024) }));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await push('bomb', buildImage({ layers: [bomb] }));
    expect((await waitForAnalysis(reg.url, REPO, 'bomb')).status).toBe('failed');
    expect(await reasonOf('bomb')).toMatch(/total-bytes: more than 67108864 uncompressed bytes/);
  });

  it('a truncated layer ends in failed with a truncation reason', async () => {
    const whole = await buildLayer({ 'app/node_modules/a/package.json': pkgJson('a'), 'big.bin': Buffer.alloc(256 * 1024, 7) });
    await push('truncated', buildImage({ layers: [whole.subarray(0, Math.floor(whole.length / 2))] }));
    expect((await waitForAnalysis(reg.url, REPO, 'truncated')).status).toBe('failed');
    expect(await reasonOf('truncated')).toMatch(/layer 0 .*(truncated|corrupt|unexpected end)/i);
  });

  it('`../` paths are confined to the image root', async () => {
    const layer = await buildLayer({ '../../../../app/node_modules/escape/package.json': pkgJson('escape'), './ok/node_modules/fine/package.json': pkgJson('fine') });
    await push('dotdot', buildImage({ layers: [layer] }));
    expect((await waitForAnalysis(reg.url, REPO, 'dotdot')).status).toBe('done');
    const sbom = await sbomOf('dotdot');
    expect(sbom.packages.find((p) => p.name === 'escape')?.locations[0]?.path).toBe('/app/node_modules/escape/package.json');
    expect(sbom.packages.find((p) => p.name === 'fine')?.locations[0]?.path).toBe('/ok/node_modules/fine/package.json');
  });

  it('absolute symlinks resolve inside the image, never on the host', async () => {
    const layer = await buildLayer({
      'opt/mods/inside/package.json': pkgJson('inside'),
      'app/node_modules': { type: 'symlink', target: '/opt/mods' },
      'app/host/package.json': { type: 'symlink', target: '/etc/hostname' },
      'loop/a': { type: 'symlink', target: '/loop/b' },
      'loop/b': { type: 'symlink', target: '/loop/a' },
    });
    await push('symlinks', buildImage({ layers: [layer] }));
    expect((await waitForAnalysis(reg.url, REPO, 'symlinks')).status).toBe('done');
    const names = (await sbomOf('symlinks')).packages.map((p) => p.name);
    expect(names).toContain('inside');
    expect(names).not.toContain('host');
  });

  it('100k tiny files are read in bounded time and memory', async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 100_000; i++) spec[`many/d${i % 100}/f${i}`] = ''; // 512-byte headers only: ~51 MB of tar, under the 64 MiB limit
    spec['app/node_modules/survivor/package.json'] = pkgJson('survivor');
    await push('many', buildImage({ layers: [await buildLayer(spec)] }));
    expect((await waitForAnalysis(reg.url, REPO, 'many', 120_000)).status).toBe('done');
    expect((await sbomOf('many')).packages.map((p) => p.name)).toContain('survivor');
  }, 180_000);

  it('keeps serving and analyzing after all of the above', async () => {
    expect((await fetch(`${reg.url}/healthz`)).status).toBe(200);
    await push('after', buildImage({ layers: [await buildLayer({ 'app/node_modules/ok/package.json': pkgJson('ok') })] }));
    expect((await waitForAnalysis(reg.url, REPO, 'after')).status).toBe('done');
    expect((await sbomOf('after')).packages.map((p) => p.name)).toContain('ok');
  });
});
