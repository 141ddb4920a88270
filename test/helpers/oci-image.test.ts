/**
 * Checks the test image builder itself, so end-to-end failures point at the registry, not the fixtures:
 * layouts are internally consistent (every blob stored under its own digest) and images are unique.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImage, buildIndex, writeOciLayout } from './oci-image.js';

const work = mkdtempSync(join(tmpdir(), 'oci-image-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('oci-image builder', () => {
  it('writes a layout whose blobs match their digests and whose config lists the diff ids', async () => {
    const img = await buildImage({ layerCount: 2, layerSize: 1000 });
    const dir = join(work, 'img');
    const top = writeOciLayout(dir, img, 'x');
    expect(top).toBe(img.manifest.digest);
    const names = readdirSync(join(dir, 'blobs', 'sha256'));
    expect(names.sort()).toEqual([img.config, ...img.layers, img.manifest].map((b) => b.digest.slice(7)).sort());
    for (const name of names) {
      const data = readFileSync(join(dir, 'blobs', 'sha256', name));
      expect(createHash('sha256').update(data).digest('hex')).toBe(name);
    }
    const config = JSON.parse(img.config.data.toString('utf8')) as { rootfs: { diff_ids: string[] } };
    expect(config.rootfs.diff_ids).toEqual(
      img.layers.map((l) => `sha256:${createHash('sha256').update(gunzipSync(l.data)).digest('hex')}`),
    );
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations: Record<string, string> }[];
    };
    expect(index.manifests[0]?.annotations['org.opencontainers.image.ref.name']).toBe('x');
  });

  it('builds distinct images per platform in an index', async () => {
    const idx = await buildIndex(['amd64', 'arm64']);
    const digests = new Set(idx.images.map((i) => i.manifest.digest));
    expect(digests.size).toBe(2);
    const parsed = JSON.parse(idx.index.data.toString('utf8')) as { manifests: { platform: { architecture: string } }[] };
    expect(parsed.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
  });
});
