import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImage, buildIndex, buildLayer, writeOciLayout } from '../../test/helpers/image-builder.js';
import { listPlatforms, ociLayoutRoot, ociLayoutSource, resolveImage } from './image-reader.js';
import { extractLayer } from './layer-extractor.js';
import { assembleImageFs } from './image-fs.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('image-reader over an OCI layout', () => {
  it('resolves index → linux/amd64 first, maps history with empty layers, reads layers', async () => {
    const l0 = await buildLayer({ 'etc/os-release': 'ID=alpine\n' }, 'gzip');
    const l1 = await buildLayer({ 'etc/os-release': 'ID=wolfi\n' }, 'none');
    const amd = buildImage({
      layers: [l0, l1],
      env: ['A=1', 'B=x=y'],
      history: [{ created_by: 'ADD rootfs' }, { created_by: 'ENV A=1', empty_layer: true }, { created_by: 'RUN apk add' }],
    });
    const win = buildImage({ layers: [l0], os: 'windows' });
    const arm = buildImage({ layers: [l0], architecture: 'arm64' });
    const index = buildIndex([
      { image: win, os: 'windows', architecture: 'amd64' },
      { image: arm, os: 'linux', architecture: 'arm64' },
      { image: amd, os: 'linux', architecture: 'amd64' },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'cn-oci-'));
    dirs.push(dir);
    const blobs = [amd, win, arm].flatMap((i) => [i.manifest, i.config, ...i.layers]);
    writeOciLayout(dir, index, blobs, 'v1', 'application/vnd.oci.image.index.v1+json');
    const src = ociLayoutSource(dir);
    const root = await ociLayoutRoot(dir, 'v1');
    const plats = await listPlatforms(src, root);
    expect(plats.map((p) => [p.platform?.os, p.platform?.architecture, p.supported])).toEqual([
      ['linux', 'amd64', true],
      ['linux', 'arm64', true],
      ['windows', 'amd64', false],
    ]);
    const img = await resolveImage(src, plats[0]?.digest ?? '');
    expect(img.env).toEqual({ A: '1', B: 'x=y' });
    expect(img.layers.map((l) => l.createdBy)).toEqual(['ADD rootfs', 'RUN apk add']);
    const extracted = [];
    for (const l of img.layers) extracted.push(await extractLayer(await src.open(l.digest), () => true));
    const fs = assembleImageFs(extracted);
    expect(await fs.get('/etc/os-release')?.text()).toBe('ID=wolfi\n');
    expect(fs.get('/etc/os-release')?.layerIndex).toBe(1);
  });
});
